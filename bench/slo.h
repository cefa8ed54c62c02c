// Service-level objectives (`wpm bench --slo 'p99<50ms,errors<1%'`) and the search for the
// highest load each class sustains within one, so a multi-class bench ends with the class to
// pick on this machine.
//
// The search is an open-loop rate bisection: a closed-loop probe measures the ceiling C with
// the run's connections, then each step runs at the middle of [highest rate that met the
// objective, lowest that did not], starting from [0, 2C]. Latency is measured from the
// intended send time, so a rate the pool (or the client's connections) cannot keep up with
// shows as queueing and fails the objective: the answer is a rate that was actually held.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "core/bench_result.h"
#include "core/result.h"

namespace wpm::bench {

struct SloObjective {
  double percentile = 99;      // of the latency from the intended send time: 50, 90, 99, 99.9
  double max_latency_s = 0;    // 0 = no latency bound
  double max_error_ratio = -1;  // < 0 = no error bound
  std::string text;            // as written
};

// "p99<50ms", "p99.9<1s,errors<0.5%", "errors<0.01" (terms joined by commas; percentiles p50,
// p90, p99, p99.9 or p999). Errors name the term; exit 2.
Result<SloObjective> parse_slo(const std::string& text);

// One run judged against the objective: a run whose own verdict failed (no successful
// response, errors above --max-error-ratio, no reconciliation) never meets it.
SloStep judge_step(const ClassResult& run, double asked_rate, const SloObjective& objective);

// Runs the class once: rate 0 = closed loop, else open loop at that rate.
using RunAtRate = std::function<Result<ClassResult>(double rate)>;

// The probe and `steps` bisection runs; the result is the best run (the highest rate that met
// the objective, else the probe) with its `slo` filled in. An error when the probe fails.
Result<ClassResult> search_slo(const SloObjective& objective, uint32_t steps, const RunAtRate& run,
                               const std::atomic<bool>& interrupted);

// The class with the highest rate within the objective (worker_class empty when none met it),
// the classes within 5 % of it, and whether its answer is the client's ceiling.
Recommendation recommend(const std::vector<ClassResult>& classes, const SloObjective& objective,
                         uint32_t workers, uint32_t threads);

}  // namespace wpm::bench
