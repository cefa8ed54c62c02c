#include "core/metric_table.h"

#include <cstdlib>

namespace wpm {
namespace {

using L = std::string_view;
constexpr std::array<L, 1> kWorker{"worker_id"};
constexpr std::array<L, 4> kWorkerFailure{"worker_id", "method", "endpoint", "error_type"};
constexpr std::array<L, 3> kWorkerRoute{"worker_id", "method", "endpoint"};
constexpr std::array<L, 2> kWorkerState{"worker_id", "state"};
constexpr std::array<L, 2> kWorkerReason{"worker_id", "reason"};
constexpr std::array<L, 3> kWorkerTypeReason{"worker_id", "restart_type", "reason"};
constexpr std::array<L, 3> kWorkerReasonType{"worker_id", "reason", "restart_type"};
constexpr std::array<L, 1> kReason{"reason"};
constexpr std::array<L, 1> kState{"state"};
constexpr std::array<L, 1> kSignal{"signal"};
constexpr std::array<L, 1> kPhase{"phase"};
constexpr std::span<const L> kNone{};
constexpr std::span<const double> kNoBuckets{};

using T = MetricType;
using I = MetricId;

constexpr std::array<MetricDef, kMetricCount> kTable{{
    {I::worker_requests, "worker_requests_total", T::counter,
     "Total number of requests handled by this worker.", kWorker, kNoBuckets},
    {I::worker_request_duration, "worker_request_duration_seconds", T::histogram,
     "Request handling time in seconds.", kWorker, kDurationBuckets},
    {I::worker_request_size, "worker_request_size_bytes", T::histogram,
     "Request size in bytes (request line, headers and body).", kWorker, kSizeBuckets},
    {I::worker_response_size, "worker_response_size_bytes", T::histogram,
     "Response size in bytes (status line, headers and body).", kWorker, kSizeBuckets},
    {I::worker_failed_requests, "worker_failed_requests_total", T::counter,
     "Requests whose handler failed.", kWorkerFailure, kNoBuckets},
    {I::worker_error_handling, "worker_error_handling_total", T::counter,
     "Error responses produced by the worker's error path.", kWorkerFailure, kNoBuckets},
    {I::worker_memory, "worker_memory_bytes", T::gauge,
     "Resident set size of the worker in bytes.", kWorker, kNoBuckets},
    {I::worker_cpu_percent, "worker_cpu_percent", T::gauge,
     "CPU usage of the worker over the last sampling interval, in percent of one core.",
     kWorker, kNoBuckets},
    {I::worker_uptime, "worker_uptime_seconds", T::gauge, "Seconds since the worker was spawned.",
     kWorker, kNoBuckets},
    {I::worker_state, "worker_state", T::gauge,
     "1 for the worker's current state, 0 for the others.", kWorkerState, kNoBuckets},
    {I::worker_restart, "worker_restart_total", T::counter,
     "Worker exits handled by the worker itself, by reason.", kWorkerReason, kNoBuckets},
    {I::worker_restart_count, "worker_restart_count_total", T::counter,
     "Worker exits handled by the worker itself, by restart type and reason.", kWorkerTypeReason,
     kNoBuckets},
    {I::master_worker_restart, "master_worker_restart_total", T::counter,
     "Worker replacements by the master, by reason.", kReason, kNoBuckets},
    {I::master_worker_restart_count, "master_worker_restart_count_total", T::counter,
     "Worker exits seen by the master, by worker, reason and restart type.", kWorkerReasonType,
     kNoBuckets},
    {I::worker_cpu_seconds, "worker_cpu_seconds_total", T::counter,
     "CPU time (user + system) consumed by the worker.", kWorker, kNoBuckets},
    {I::worker_state_since, "worker_state_since_seconds", T::gauge,
     "Unix time at which the worker entered its current state.", kWorker, kNoBuckets},
    {I::worker_heartbeat_age, "worker_heartbeat_age_seconds", T::gauge,
     "Seconds since the worker's loop last reported it was alive.", kWorker, kNoBuckets},
    {I::worker_in_flight, "worker_in_flight", T::gauge,
     "Requests the worker is handling right now.", kWorker, kNoBuckets},
    {I::master_workers, "master_workers", T::gauge, "Workers in the pool, by state.", kState,
     kNoBuckets},
    {I::master_signals, "master_signals_total", T::counter,
     "Control signals received by the master, by signal.", kSignal, kNoBuckets},
    {I::master_listen_backlog, "master_listen_backlog", T::gauge,
     "Connections waiting in the listen socket's accept queue.", kNone, kNoBuckets},
    {I::master_worker_replacement, "master_worker_replacement_seconds", T::histogram,
     "Seconds from a worker's death to its replacement's spawn, readiness and first request "
     "served, by phase.",
     kPhase, kReplacementBuckets},
    {I::worker_route_requests, "worker_route_requests_total", T::counter,
     "Requests handled by this worker, by method and route template (any status).",
     kWorkerRoute, kNoBuckets},
}};

constexpr bool table_in_id_order() {
  for (size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<size_t>(kTable[i].id) != i) return false;
  return true;
}
static_assert(table_in_id_order(), "kTable must list families in MetricId order");

constexpr bool labels_fit() {
  for (const MetricDef& def : kTable)
    if (def.labels.size() > kMaxLabels) return false;
  return true;
}
static_assert(labels_fit(), "a family has more labels than kMaxLabels");

bool name_char(char c, bool first, bool colon) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (colon && c == ':') return true;
  return alpha || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, colon)) return false;
  return true;
}

}  // namespace

std::string_view to_string(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

std::span<const MetricDef> metric_table() { return kTable; }

const MetricDef& metric_def(MetricId id) { return kTable[static_cast<size_t>(id)]; }

std::string metric_name(MetricId id, std::string_view prefix) {
  std::string name(prefix);
  name.push_back('_');
  name.append(metric_def(id).suffix);
  return name;
}

bool valid_metric_name(std::string_view name) { return valid_name(name, true); }
bool valid_label_name(std::string_view name) {
  return valid_name(name, false) && name.substr(0, 2) != "__";
}

}  // namespace wpm
