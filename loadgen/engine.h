// LoadRun: a running load test. start() resolves the target, builds the requests, allocates
// every per-thread structure (histograms, timeline, connections) and starts the threads; from
// then on the hot path neither allocates nor shares anything.
//
// Phases: warm-up (issued, drained, excluded) → gate (no request in flight; before_measure
// runs; measured_start is taken) → measured window of duration_s → drain (in-flight requests
// finish or time out, none is started). So, normally, every request of the measured window
// ends as a response or a counted error, and nothing is abandoned: client and server counts
// can be reconciled exactly (see LoadResult::sent_no_response).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result.h"
#include "loadgen/load_result.h"
#include "loadgen/load_spec.h"

namespace wpm::loadgen {

class ClientThread;
struct RunShared;

struct Progress {
  enum class Phase { warmup, measuring, draining, done };
  Phase phase = Phase::warmup;
  double elapsed_s = 0;   // since the measured start (during warm-up: since the run started)
  double duration_s = 0;  // planned measured duration (warm-up duration during warm-up)
  uint64_t completed = 0, errors = 0, sent = 0;  // in the current phase
  uint64_t in_flight = 0;  // requests started and not yet ended, now
  double rate = 0;   // responses/s in the last complete second of the measured phase
  double p99_s = 0;  // p99 latency (from intended send) of that second
  bool window = false;  // rate and p99_s describe a complete second (none in the first one)
  double target_rate = 0;  // 0 = closed loop
};
const char* to_string(Progress::Phase phase);

// The most recent stretch of the measured phase that every thread has sealed (whole timeline
// intervals): what a live view shows between two reports.
struct RecentWindow {
  bool complete = false;  // false until that much of the measured phase is sealed
  double seconds = 0;     // the stretch covered, a whole number of intervals
  uint64_t completed = 0;
  double rate = 0;  // responses/s
  double p50_s = 0, p99_s = 0;  // latency from the intended send time; 0 without responses
};

class LoadRun {
 public:
  // Usage errors (exit 2) for a bad spec; runtime errors (exit 1) for resolution or threads.
  static Result<std::unique_ptr<LoadRun>> start(const LoadSpec& spec);
  ~LoadRun();  // stops and joins a run still going
  LoadRun(const LoadRun&) = delete;
  LoadRun& operator=(const LoadRun&) = delete;

  Progress progress() const;  // lock-free reads of per-thread counters; any thread
  // The last `seconds` (rounded to whole intervals, at least one) of the measured phase that
  // every thread has sealed; lock-free like progress().
  RecentWindow recent(double seconds) const;
  // Ends the run early: no new request; in-flight ones get spec.stop_drain_s to finish, the
  // rest are counted as abandoned. Async-signal-safe (an atomic store and eventfd writes).
  void stop();
  bool wait_for(double timeout_s);  // true once every thread has finished
  LoadResult wait();                // blocks until finished; merges the threads' results
  // CLOCK_MONOTONIC seconds (core/clock.h) at which the measured phase began; 0 before.
  double measured_start_monotonic_s() const;
  const LoadSpec& spec() const;

 private:
  LoadRun() = default;
  Status launch();
  void gate_reached();
  void finish_thread();
  LoadResult merge() const;
  std::vector<TimelinePoint> merge_timeline(double duration_s) const;

  std::unique_ptr<RunShared> shared_;
  std::vector<std::unique_ptr<ClientThread>> clients_;
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t finished_ = 0;
  bool joined_ = false;
  LoadResult result_;
};

}  // namespace wpm::loadgen
