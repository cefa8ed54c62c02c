// The live view of one load generator (DESIGN.md §9 "Beyond one machine"): while the measured
// phase runs, its running gauges (`wpm_bench_live_*`, docs/METRICS.md) are pushed to the
// Pushgateway every `--push-live-interval` under the grouping key {job, labels…, instance}, so
// one Prometheus query sums N generators while they run. Pushes happen on a thread of their own
// with a short timeout and at most one retry: a slow or absent gateway costs the run a warning,
// never its measurement or its verdict.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "bench/clock.h"
#include "bench/options.h"
#include "bench/scheduler.h"
#include "core/result.h"
#include "reports/pushgateway.h"

namespace wpm::loadgen {
class LoadRun;
struct LoadResult;
}  // namespace wpm::loadgen

namespace wpm::bench {

// What one push says about the generator, read from loadgen's live counters.
struct LiveSample {
  std::string worker_class;  // the class run ("target" for --target)
  bool running = true;       // false in the last push, which carries the final counts
  double elapsed_s = 0;      // since the measured start
  uint64_t requests = 0;     // responses received so far, any status
  uint64_t errors = 0;       // failures and non-2xx/3xx responses so far
  uint64_t in_flight = 0;
  // Over the last interval (window_s wide); absent until one is complete.
  bool window = false;
  double window_s = 0, rate = 0, p50_s = 0, p99_s = 0;
  uint32_t segment_index = 0, segment_count = 1;  // this generator's share: I of N
};

// A sample of a running load: nothing during warm-up (or a run stopped before measuring).
// The rate and latencies are those of the last `window_s`.
std::optional<LiveSample> sample_load(const loadgen::LoadRun& load, const std::string& worker_class,
                                      double window_s);
// The last sample: the run's final counts, its whole measured phase as the window.
LiveSample final_sample(const loadgen::LoadResult& result, const std::string& worker_class);

// The gauges of one sample as Prometheus text (valid for kPushPayloadRules).
std::string render_live_gauges(const LiveSample& sample);

// The grouping key `instance` value: --push-instance, else "seg-I" with --segment, else the
// host name (a pod's name in Kubernetes).
std::string live_instance(const BenchOptions& options);

// Where live samples go: --push-url, --push-job, the --push-label pairs and `instance`, with a
// timeout of at most a second (and at most half the interval) and at most one retry.
PushTarget live_push_target(const BenchOptions& options);

struct LivePushStats {
  uint64_t pushes = 0, failures = 0;
  std::string last_error;
};

using PushFunction = std::function<Status(const PushTarget&, std::string_view)>;

class LivePusher {
 public:
  // Returns nothing while there is nothing to show yet (warm-up): no push then.
  using Sampler = std::function<std::optional<LiveSample>()>;

  LivePusher(Clock& clock, PushTarget target, double interval_s, Sampler sampler,
             PushFunction push_fn = push);
  ~LivePusher();
  LivePusher(const LivePusher&) = delete;
  LivePusher& operator=(const LivePusher&) = delete;

  void start();  // the first push one interval from now, on a thread of its own
  // Stops the periodic pushes (a push under way completes), then pushes `last` from the
  // calling thread, so the gateway ends with the run's final figures.
  void finish(const LiveSample& last);
  LivePushStats stats() const;  // after finish()

 private:
  class PushJob;
  void push_one(const LiveSample& sample);

  Clock& clock_;
  PushTarget target_;
  PushFunction push_fn_;
  Scheduler scheduler_;
  std::unique_ptr<PushJob> job_;
  std::thread thread_;
  mutable std::mutex mu_;
  LivePushStats stats_;
};

// The warning a run ends with when live pushes failed, or "" when all went through.
std::string live_push_warning(const LivePushStats& stats);

}  // namespace wpm::bench
