#include "bench/live_push.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <vector>

#include "reports/exposition_check.h"
#include "tests/unit/bench/fakes.h"

namespace wpm::bench {
namespace {

using test::ManualClock;

LiveSample running_sample() {
  LiveSample s;
  s.worker_class = "target";
  s.elapsed_s = 2.5;
  s.requests = 1200;
  s.errors = 3;
  s.in_flight = 16;
  s.window = true;
  s.window_s = 1;
  s.rate = 480;
  s.p50_s = 0.0012;
  s.p99_s = 0.0081;
  s.segment_index = 2;
  s.segment_count = 4;
  return s;
}

TEST(LivePush, GaugesAreAValidPushPayload) {
  std::string text = render_live_gauges(running_sample());
  EXPECT_EQ(check_exposition(text, kPushPayloadRules), std::vector<std::string>{}) << text;
  EXPECT_NE(text.find("wpm_bench_live_requests{class=\"target\"} 1200\n"), std::string::npos) << text;
  EXPECT_NE(text.find("wpm_bench_live_latency_seconds{class=\"target\",quantile=\"0.99\"} 0.0081\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("wpm_bench_live_segment_index{class=\"target\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("wpm_bench_live_running{class=\"target\"} 1\n"), std::string::npos);
}

// Before a whole interval is measured there is no rate: the families are absent, not 0, so a
// sum over generators does not dip when one starts.
TEST(LivePush, NoWindowFamiliesBeforeAWholeInterval) {
  LiveSample s = running_sample();
  s.window = false;
  std::string text = render_live_gauges(s);
  EXPECT_EQ(check_exposition(text, kPushPayloadRules), std::vector<std::string>{});
  EXPECT_EQ(text.find("wpm_bench_live_responses_per_second"), std::string::npos);
  EXPECT_EQ(text.find("wpm_bench_live_latency_seconds"), std::string::npos);
  EXPECT_NE(text.find("wpm_bench_live_requests"), std::string::npos);
}

TEST(LivePush, InstanceIsTheFlagThenTheSegmentThenTheHost) {
  BenchOptions o;
  std::string host = live_instance(o);
  EXPECT_FALSE(host.empty());
  o.segment = {3, 8};
  EXPECT_EQ(live_instance(o), "seg-3");
  o.push_instance = "gen-east";
  EXPECT_EQ(live_instance(o), "gen-east");
}

TEST(LivePush, TargetIsShortAndAddsInstanceToTheGroupingKey) {
  BenchOptions o;
  o.push_url = "http://127.0.0.1:9091";
  o.push_job = "gen";
  o.push_labels = {"branch=main"};
  o.push_instance = "seg-0";
  o.push_live_interval_s = 0.5;
  PushTarget t = live_push_target(o);
  EXPECT_EQ(t.job, "gen");
  EXPECT_EQ(t.labels, (GroupingLabels{{"branch", "main"}, {"instance", "seg-0"}}));
  EXPECT_EQ(t.mode, PushTarget::Mode::replace);
  EXPECT_LE(t.timeout_s, 0.25);  // half the interval
  EXPECT_LE(t.retries, 1);
  o.push_live_interval_s = 30;
  EXPECT_LE(live_push_target(o).timeout_s, 1.0);
}

// Warm-up samples are not pushed; every other push fails here: each is counted, the run goes
// on, and finish() pushes the final sample last.
TEST(LivePush, CountsFailuresAndPushesTheFinalSampleLast) {
  ManualClock clock(100);
  std::vector<std::string> payloads;  // only the pusher's thread, then finish() on this one
  std::atomic<int> calls{0};
  std::promise<void> enough;
  auto sampler = [&]() -> std::optional<LiveSample> {
    int n = ++calls;
    if (n == 6) enough.set_value();
    if (n <= 2) return std::nullopt;  // warm-up
    LiveSample s = running_sample();
    s.requests = static_cast<uint64_t>(n) * 100;
    return s;
  };
  auto push_fn = [&](const PushTarget&, std::string_view payload) -> Status {
    payloads.emplace_back(payload);
    if (payloads.size() % 2 == 0) return Error{"gateway said no", kExitPush};
    return {};
  };
  PushTarget target;
  LivePusher pusher(clock, target, 0.5, sampler, push_fn);
  pusher.start();
  enough.get_future().wait();
  LiveSample last = running_sample();
  last.running = false;
  last.requests = 424242;
  pusher.finish(last);
  LivePushStats stats = pusher.stats();
  ASSERT_EQ(stats.pushes, payloads.size());
  EXPECT_EQ(stats.pushes, static_cast<uint64_t>(calls.load() - 2 + 1));
  EXPECT_EQ(stats.failures, stats.pushes / 2);
  EXPECT_EQ(stats.last_error.empty(), stats.failures == 0);
  EXPECT_NE(payloads.back().find("wpm_bench_live_requests{class=\"target\"} 424242\n"), std::string::npos);
  EXPECT_NE(payloads.back().find("wpm_bench_live_running{class=\"target\"} 0\n"), std::string::npos);
  std::string warning = live_push_warning(stats);
  EXPECT_NE(warning.find(std::to_string(stats.failures) + " of " + std::to_string(stats.pushes)),
            std::string::npos) << warning;
  EXPECT_NE(warning.find("gateway said no"), std::string::npos);
}

TEST(LivePush, NoWarningWhenEveryPushWentThrough) {
  EXPECT_EQ(live_push_warning(LivePushStats{5, 0, ""}), "");
}

}  // namespace
}  // namespace wpm::bench
