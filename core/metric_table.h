// The one table of metric families. Names, types, help, label names and buckets are written
// here and nowhere else: renderers, validators and tests iterate this table.
// Names follow gunicorn-prometheus-exporter so its dashboards keep working; the prefix
// ("gunicorn" by default) is configurable.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace wpm {

enum class MetricType { counter, gauge, histogram };
std::string_view to_string(MetricType type);

enum class MetricId {
  worker_requests,
  worker_request_duration,
  worker_request_size,
  worker_response_size,
  worker_failed_requests,
  worker_error_handling,
  worker_memory,
  worker_cpu_percent,
  worker_uptime,
  worker_state,
  worker_restart,
  worker_restart_count,
  master_worker_restart,
  master_worker_restart_count,
  // Additions the Python exporter lacks.
  worker_cpu_seconds,
  worker_state_since,
  worker_heartbeat_age,
  worker_in_flight,
  master_workers,
  master_signals,
  master_listen_backlog,
  master_worker_replacement,
  worker_route_requests,
};
inline constexpr size_t kMetricCount = 23;

// The most labels a family may have: samples of the exposition model hold their label values
// in a fixed array, so a render allocates nothing per sample.
inline constexpr size_t kMaxLabels = 4;

struct MetricDef {
  MetricId id;
  std::string_view suffix;  // full name = prefix + "_" + suffix
  MetricType type;
  std::string_view help;
  std::span<const std::string_view> labels;
  std::span<const double> buckets;  // histograms only, strictly increasing, no +Inf
};

// Bucket bounds. Duration is in seconds, fine enough for sub-millisecond apps.
inline constexpr std::array<double, 16> kDurationBuckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
inline constexpr std::array<double, 10> kSizeBuckets{
    64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216};
// Replacement phases: sub-millisecond respawns up to crash-loop backoff delays (5 s cap).
inline constexpr std::array<double, 17> kReplacementBuckets{
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    10, 30};

std::span<const MetricDef> metric_table();
const MetricDef& metric_def(MetricId id);
std::string metric_name(MetricId id, std::string_view prefix);

// Validates a metric or label name ([a-zA-Z_:][a-zA-Z0-9_:]* / [a-zA-Z_][a-zA-Z0-9_]*).
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

inline constexpr std::string_view kDefaultPrefix = "gunicorn";

}  // namespace wpm
