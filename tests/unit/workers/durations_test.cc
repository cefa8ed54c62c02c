// Configured seconds → nanoseconds / poll milliseconds: saturating, never wrapping.
#include "workers/durations.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/clock.h"
#include "workers/worker_context.h"

namespace wpm {
namespace {

TEST(Durations, SecondsToNanosecondsSaturates) {
  EXPECT_EQ(seconds_to_ns(0), 0u);
  EXPECT_EQ(seconds_to_ns(-3), 0u);
  EXPECT_EQ(seconds_to_ns(std::numeric_limits<double>::quiet_NaN()), 0u);
  EXPECT_EQ(seconds_to_ns(2), 2'000'000'000u);
  EXPECT_EQ(seconds_to_ns(0.25), 250'000'000u);
  // 2e10 s is 2e19 ns: more than uint64 holds. It means "never", not a wrapped small number.
  EXPECT_EQ(seconds_to_ns(20'000'000'000.0), kForeverNs);
  EXPECT_EQ(seconds_to_ns(1e300), kForeverNs);
  EXPECT_EQ(seconds_to_ns(std::numeric_limits<double>::infinity()), kForeverNs);
  // A deadline from it stays in the future.
  uint64_t now = monotonic_ns();
  EXPECT_GT(now + seconds_to_ns(20'000'000'000.0), now);
}

TEST(Durations, PollMillisecondsClampWithoutOverflow) {
  EXPECT_EQ(seconds_to_ms_clamped(5'000'000'000.0, 10, 1000), 1000);
  EXPECT_EQ(seconds_to_ms_clamped(0.1, 10, 1000), 100);
  EXPECT_EQ(seconds_to_ms_clamped(0.001, 10, 1000), 10);
  EXPECT_EQ(seconds_to_ms_clamped(-1, 10, 1000), 10);
}

TEST(Durations, AHugeTimeoutGivesSaneWorkerDeadlines) {
  WorkerOptions options;
  options.timeout_s = 20'000'000'000.0;
  WorkerSlot slot{};
  app::SyntheticApp app(app::AppOptions{});
  WorkerContext ctx{options, slot, app, -1, 1};
  EXPECT_EQ(ctx.heartbeat_interval_ms(), 1000);
  EXPECT_EQ(ctx.io_timeout_ns(), kForeverNs);
  options.timeout_s = 0.02;
  EXPECT_EQ(ctx.heartbeat_interval_ms(), 10);
  EXPECT_EQ(ctx.io_timeout_ns(), 1'000'000'000u);  // at least a second for a peer
}

}  // namespace
}  // namespace wpm
