#include "reports/bench_families.h"

#include <array>
#include <cstdlib>

namespace wpm {
namespace {

using L = std::string_view;
using F = BenchFamily;
constexpr std::array<L, 1> kClass{"worker_class"};
// "percentile", not "quantile": promtool rejects a quantile label outside a summary, and these
// are gauges. Values are 0 (min), 50, 90, 99, 99.9, 100 (max).
constexpr std::array<L, 2> kClassPercentile{"worker_class", "percentile"};
constexpr std::array<L, 2> kClassKind{"worker_class", "kind"};
constexpr std::array<L, 2> kClassCode{"worker_class", "code"};
constexpr std::array<L, 2> kClassReason{"worker_class", "reason"};
constexpr std::array<L, 2> kClassWorker{"worker_class", "worker_index"};
constexpr std::array<L, 2> kClassSignal{"worker_class", "signal"};
constexpr std::array<L, 3> kClassPathPercentile{"worker_class", "path", "percentile"};
constexpr std::array<L, 2> kClassCheck{"worker_class", "check"};
constexpr std::span<const L> kNone{};

constexpr std::array<BenchFamilyDef, 38> kTable{{
    {F::duration, "wpm_bench_duration_seconds", "Length of the measured phase.", kClass},
    {F::connections, "wpm_bench_connections", "Client connections used.", kClass},
    {F::target_rate, "wpm_bench_target_requests_per_second",
     "Open-loop target rate; 0 for a closed loop.", kClass},
    {F::achieved_rate, "wpm_bench_requests_per_second", "Achieved throughput (responses per second).",
     kClass},
    {F::requests_sent, "wpm_bench_requests_sent", "Requests the client sent.", kClass},
    {F::responses, "wpm_bench_responses", "Responses the client received (any status).", kClass},
    {F::response_bytes, "wpm_bench_response_bytes", "Bytes the client read.", kClass},
    {F::latency, "wpm_bench_latency_seconds",
     "Latency from the intended send time (coordinated-omission free), by percentile.",
     kClassPercentile},
    {F::latency_mean, "wpm_bench_latency_mean_seconds", "Mean latency from the intended send time.",
     kClass},
    {F::service_latency, "wpm_bench_service_latency_seconds",
     "Latency from the actual send time, by percentile.", kClassPercentile},
    {F::queue_latency, "wpm_bench_queue_latency_seconds",
     "Delay between the intended and the actual send time, by percentile.", kClassPercentile},
    {F::errors, "wpm_bench_errors", "Client-side transport errors by kind.", kClassKind},
    {F::error_responses, "wpm_bench_error_responses", "Error responses by HTTP status code.",
     kClassCode},
    {F::failed_requests, "wpm_bench_failed_requests", "Requests sent that got no response.", kClass},
    {F::server_requests, "wpm_bench_server_requests",
     "Server-side requests counted over the run (delta of requests_total, exited workers included).",
     kClass},
    {F::reconciled, "wpm_bench_reconciled",
     "1 when client and server request counts reconcile, 0 otherwise.", kClass},
    {F::worker_restarts, "wpm_bench_worker_restarts", "Worker replacements by the master, by reason.",
     kClassReason},
    {F::worker_memory, "wpm_bench_worker_memory_bytes", "Resident set size of each worker at the end.",
     kClassWorker},
    {F::worker_cpu, "wpm_bench_worker_cpu_percent", "CPU usage of each worker at the end, in percent.",
     kClassWorker},
    {F::injected_signals, "wpm_bench_injected_signals", "Signals injected and delivered, by signal.",
     kClassSignal},
    {F::interrupted, "wpm_bench_interrupted", "1 when the run was interrupted (a partial report).",
     kNone},
    {F::path_latency, "wpm_bench_path_latency_seconds",
     "Latency from the intended send time of each path of the mix, by percentile.",
     kClassPathPercentile},
    {F::error_ratio, "wpm_bench_error_ratio",
     "Errors over the requests that ended (responses plus transport errors).", kClass},
    {F::verdict, "wpm_bench_verdict",
     "1 when the class passed (successful responses, injections delivered, error ratio within "
     "--max-error-ratio, reconciled), 0 otherwise.",
     kClass},
    {F::run_passed, "wpm_bench_run_passed",
     "1 when every class passed its verdict and the regression gate (if any) passed.", kNone},
    {F::gate_applied, "wpm_bench_gate_applied", "1 when a regression gate (--fail-on) was applied.",
     kNone},
    {F::gate_passed, "wpm_bench_gate_passed", "1 when the regression gate passed or was not applied.",
     kNone},
    {F::gate_scenario_mismatch, "wpm_bench_gate_scenario_mismatch",
     "Ways the baseline's scenario differs from this run's (paths, classes, duration, rate, ...).",
     kNone},
    {F::gate_check_failed, "wpm_bench_gate_check_failed", "1 when the gate check failed.",
     kClassCheck},
    {F::gate_check_baseline, "wpm_bench_gate_check_baseline",
     "The baseline's value of the checked metric (seconds, req/s, a count or a ratio).", kClassCheck},
    {F::gate_check_current, "wpm_bench_gate_check_current",
     "This run's value of the checked metric.", kClassCheck},
    {F::gate_check_limit, "wpm_bench_gate_check_limit", "The limit the check compared against.",
     kClassCheck},
    {F::request_bytes, "wpm_bench_request_bytes", "Bytes the client wrote.", kClass},
    {F::response_bytes_rate, "wpm_bench_response_bytes_per_second",
     "Bytes the client read per second of the measured phase.", kClass},
    {F::request_bytes_rate, "wpm_bench_request_bytes_per_second",
     "Bytes the client wrote per second of the measured phase.", kClass},
    {F::slo_max_rate, "wpm_bench_slo_max_rate",
     "With --slo: the highest open-loop rate (req/s) the class sustained within the objective.",
     kClass},
    {F::slo_met, "wpm_bench_slo_met", "With --slo: 1 when the class met the objective at some rate.",
     kClass},
    {F::slo_recommended, "wpm_bench_slo_recommended",
     "With --slo: 1 for the class to pick (the highest rate within the objective), else 0.", kClass},
}};

constexpr bool labels_fit() {
  for (const BenchFamilyDef& def : kTable)
    if (def.labels.size() > kMaxLabels) return false;
  return true;
}
static_assert(labels_fit(), "a bench family has more labels than kMaxLabels");

}  // namespace

std::span<const BenchFamilyDef> bench_family_table() { return kTable; }

bool is_run_family(BenchFamily id) {
  switch (id) {
    case F::interrupted:
    case F::run_passed:
    case F::gate_applied:
    case F::gate_passed:
    case F::gate_scenario_mismatch:
    case F::gate_check_failed:
    case F::gate_check_baseline:
    case F::gate_check_current:
    case F::gate_check_limit: return true;
    default: return false;
  }
}

const BenchFamilyDef& bench_family(BenchFamily id) {
  const BenchFamilyDef& def = kTable[static_cast<size_t>(id)];
  if (def.id != id) std::abort();  // the table must stay in enum order
  return def;
}

ExpoFamily make_family(const BenchFamilyDef& def) {
  ExpoFamily f;
  f.name = std::string(def.name);
  f.type = MetricType::gauge;
  f.help = def.help;
  f.label_names = def.labels;
  return f;
}

}  // namespace wpm
