// The one table of the Prometheus families a bench run is reported as. These are report
// families (gauges: a CI job is short-lived and pushes once), not the pool's metric table in
// core/; every name is written here and nowhere else, all prefixed wpm_bench_.
#pragma once

#include <span>
#include <string_view>

#include "core/exposition_model.h"

namespace wpm {

enum class BenchFamily {
  duration,
  connections,
  target_rate,
  achieved_rate,
  requests_sent,
  responses,
  response_bytes,
  latency,
  latency_mean,
  service_latency,
  queue_latency,
  errors,
  error_responses,
  failed_requests,
  server_requests,
  reconciled,
  worker_restarts,
  worker_memory,
  worker_cpu,
  injected_signals,
  interrupted,
  // Added in report schema 2: the path mix, the verdicts, the regression gate.
  path_latency,
  error_ratio,
  verdict,
  run_passed,
  gate_applied,
  gate_passed,
  gate_scenario_mismatch,
  gate_check_failed,
  gate_check_baseline,
  gate_check_current,
  gate_check_limit,
  // Added later in schema 2: what the client wrote, and both directions per second.
  request_bytes,
  response_bytes_rate,
  request_bytes_rate,
  slo_max_rate,
  slo_met,
  slo_recommended,
};

// Whether a family has one series per class (worker_class label) or describes the whole run.
bool is_run_family(BenchFamily id);

struct BenchFamilyDef {
  BenchFamily id;
  std::string_view name;
  std::string_view help;
  std::span<const std::string_view> labels;
};

std::span<const BenchFamilyDef> bench_family_table();
const BenchFamilyDef& bench_family(BenchFamily id);
// An empty gauge family of the exposition model, everything but the samples from the table.
ExpoFamily make_family(const BenchFamilyDef& def);

// The prefix every bench family starts with; scraped families may not use it.
inline constexpr std::string_view kBenchFamilyPrefix = "wpm_bench_";
// The label added to every bench series and to the merged final scrapes.
inline constexpr std::string_view kWorkerClassLabel = "worker_class";

}  // namespace wpm
