// One class run of `wpm bench`: open the pool under test (start it, or later attach to it),
// warm up, measure while the schedule injects signals and scrapes on one clock, settle the
// server side, stop the pool, and assemble the ClassResult from what was recorded.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "bench/clock.h"
#include "bench/options.h"
#include "bench/pool.h"
#include "bench/run_record.h"
#include "bench/schedule.h"
#include "core/bench_result.h"
#include "core/result.h"
#include "loadgen/load_spec.h"

namespace wpm::loadgen {
class LoadRun;
}

namespace wpm::bench {

class LivePusher;

// What the class runs of one `wpm bench` share.
struct RunContext {
  const BenchOptions& options;
  const std::atomic<bool>& interrupted;  // Ctrl-C: stop the run, keep what was measured
  Clock& clock;  // the scrapes follow options.interval_s, loadgen's timeline resolution
};

// Opens the pool under test; a run without one (--target) measures the client side only.
using PoolOpener = std::function<Result<std::unique_ptr<Pool>>()>;

class BenchRun {
 public:
  BenchRun(const RunContext& ctx, std::string label, PoolOpener open_pool);
  ~BenchRun();
  BenchRun(const BenchRun&) = delete;
  BenchRun& operator=(const BenchRun&) = delete;

  Result<ClassResult> run();

 private:
  Status open();
  Status measure();
  void at_measured_start();  // loadgen's gate: nothing in flight
  void extend_warmup(loadgen::LoadSpec& spec) const;  // --start-at
  void drive(loadgen::LoadRun& load);
  std::unique_ptr<LivePusher> start_live_push(const loadgen::LoadRun& load);
  void finish_live_push(LivePusher& live);
  void stop_schedule();
  void settle();

  const RunContext& ctx_;
  PoolOpener open_pool_;
  std::unique_ptr<Pool> pool_;
  std::unique_ptr<RunSchedule> schedule_;  // with a pool only
  std::thread schedule_thread_;
  std::optional<double> origin_s_;  // the measured start, on ctx_.clock
  RunRecord record_;
};

}  // namespace wpm::bench
