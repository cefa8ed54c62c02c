// One `wpm bench` measurement of one worker class (or of a --target URL): start the pool,
// warm up, measure while injecting signals and scraping once a second, reconcile, stop.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "cli/bench_options.h"
#include "core/bench_result.h"
#include "core/result.h"

namespace wpm::cli {

struct BenchContext {
  const BenchOptions& options;
  std::string self_exe;
  std::string out_dir;
  const std::atomic<bool>& interrupted;  // Ctrl-C: stop the run, keep what was measured
};

// worker_class empty = the --target run.
Result<ClassResult> run_class(const BenchContext& ctx, std::optional<WorkerClass> worker_class);

// The reconciliation verdict from the client's and the server's counts.
Reconciliation reconcile(uint64_t client_completed, uint64_t client_failed, uint64_t server_delta,
                         bool aborts_injected);

}  // namespace wpm::cli
