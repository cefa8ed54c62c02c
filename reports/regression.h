// The regression gate of `wpm bench --baseline F --fail-on EXPR`: thresholds such as
// 'p99>+10%,rps<-5%' checked per worker class against a baseline run.
//
// EXPR is a list of METRIC OP VALUE separated by ',' or ';':
//   METRIC  rps | p50 | p90 | p99 | p999 (p99.9) | max | mean | errors | error_rate
//   OP      '>' fails when the current value is above the limit, '<' when below
//   VALUE   signed: relative to the baseline, in percent ("+10%") or in the metric's unit
//           ("+5ms", "-200" req/s, "+3" errors); unsigned: an absolute limit on the current
//           value ("250ms", "1000", "0" errors, "1%" error rate). Latencies need a unit
//           (ns, us, ms, s) unless given in percent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/bench_result.h"
#include "core/result.h"

namespace wpm {

enum class GateMetric { rps, p50, p90, p99, p999, max, mean, errors, error_rate };

struct Threshold {
  GateMetric metric = GateMetric::p99;
  bool above = true;      // '>': fail when current > limit; '<': fail when current < limit
  bool relative = false;  // signed value: the limit is computed from the baseline
  bool percent = false;   // value is a fraction (0.10 for 10%)
  double value = 0;       // in seconds for latencies, req/s, a count, or a fraction
  std::string text;       // as written, e.g. "p99>+10%"
};

// Errors have exit code kExitUsage and quote the offending term.
Result<std::vector<Threshold>> parse_fail_on(std::string_view expr);
bool needs_baseline(const std::vector<Threshold>& thresholds);

using GateRow = GateCheck;  // core/bench_result.h: one check of one class

struct GateReport {
  bool passed = true;
  std::vector<GateRow> rows;
  std::vector<std::string> notes;     // classes missing on one side, checks skipped
  std::vector<std::string> warnings;  // the baseline ran another scenario (scenario_differences)
  std::string table;                  // the readable diff, with a verdict line at the end
};

// How the baseline's scenario differs from the current one (paths, classes, duration, rate,
// connections, workers, injected signals), one sentence each: a comparison across scenarios proves little.
std::vector<std::string> scenario_differences(const BenchResult& current, const BenchResult& baseline);

// `baseline` may be null: absolute thresholds still apply, relative ones are skipped (noted).
GateReport regression_gate(const BenchResult& current, const BenchResult* baseline,
                           const std::vector<Threshold>& thresholds);

}  // namespace wpm
