// `wpm bench` as a library: every selected worker class in turn (or the --target URL), each
// one BenchRun, then the reports and the regression gate. cli/ parses the options, calls
// these, and pushes the result to a Pushgateway last, so an unreachable gateway never loses
// the reports.
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "bench/options.h"
#include "core/bench_result.h"
#include "core/result.h"

namespace wpm::bench {

struct BenchOutcome {
  BenchResult result;
  // Of the measurement: a class that failed to run (its error's code) or whose verdict failed
  // (3); result.verdict says why.
  int exit_code = kExitOk;
};

// Runs every class; an error only when nothing could be measured (the report directory).
Result<BenchOutcome> run_bench(const BenchOptions& options, const std::atomic<bool>& interrupted);

// The host and build the numbers were measured on.
BenchEnvironment environment();

// Prints the console table to `out`, writes the report files (naming each on `out`), then
// applies the gate. Returns the exit code before any push, or the error that ends the command
// (a file not written, an interrupted run, a bad gate expression or baseline).
// The gate's verdict is stored in outcome.result.gate first, so the files (and a push of the
// result afterwards) carry it.
Result<int> report(const BenchOptions& options, BenchOutcome& outcome, std::ostream& out);

// The JSON, Prometheus and HTML reports; returns the paths written.
Result<std::vector<std::string>> write_reports(const BenchOptions& options, const BenchResult& result);
// The regression gate against --baseline (not applied without --fail-on); its readable diff in
// `table` when not null. Errors: a bad expression or an unreadable baseline (exit 2).
Result<GateResult> evaluate_gate(const BenchOptions& options, const BenchResult& result,
                                 std::string* table);

}  // namespace wpm::bench
