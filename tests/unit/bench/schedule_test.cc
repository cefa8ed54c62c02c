#include "bench/schedule.h"

#include <gtest/gtest.h>

#include "tests/unit/bench/fakes.h"

namespace wpm::bench {
namespace {

using test::FakePool;
using test::ManualClock;

constexpr double kOrigin = 1000;   // the measured start, on the virtual clock
constexpr double kTick = 1e-9;     // float slack for times built from 20 ms polls

InjectSpec inject(double at_s, ControlSignal signal, std::optional<uint32_t> worker) {
  return {at_s, signal, worker, ""};
}

TEST(RunSchedule, FiresInTimeOrderAndMeasuresEachEffect) {
  ManualClock clock(kOrigin);
  FakePool pool(clock, 2);
  RunSchedule schedule(pool, clock,
                       {inject(2.5, ControlSignal::abort, 1), inject(1.5, ControlSignal::quit, 0)},
                       1.0);
  schedule.run(kOrigin, 4.0);

  ASSERT_EQ(pool.signals.size(), 2u);
  EXPECT_EQ(pool.signals[0].second.signal, ControlSignal::quit);
  EXPECT_DOUBLE_EQ(pool.signals[0].first, kOrigin + 1.5);
  EXPECT_DOUBLE_EQ(pool.signals[1].first, kOrigin + 2.5);
  const std::vector<InjectionRecord>& done = schedule.injections();
  ASSERT_EQ(done.size(), 2u);
  for (const InjectionRecord& r : done) {
    SCOPED_TRACE(r.spec.at_s);
    EXPECT_EQ(r.outcome, InjectionOutcome::effect_seen);
    double sent = *r.times.signal_sent;
    EXPECT_DOUBLE_EQ(sent, r.spec.at_s);
    // Seen by the first 20 ms check after the fake's 50 ms exit and 100 ms readiness.
    EXPECT_GE(*r.times.worker_gone, sent + 0.05 - kTick);
    EXPECT_LE(*r.times.worker_gone, sent + 0.07 + kTick);
    EXPECT_EQ(r.times.replacement_spawned, r.times.worker_gone);  // the successor boots at once
    EXPECT_GE(*r.times.replacement_ready, sent + 0.1 - kTick);
    EXPECT_LE(*r.times.replacement_ready, sent + 0.12 + kTick);
    EXPECT_EQ(r.times.effect_seen, r.times.replacement_ready);
    EXPECT_FALSE(r.times.first_request);  // not observable yet
    EXPECT_NE(r.detail.find("replaced by pid"), std::string::npos) << r.detail;
  }
  EXPECT_EQ(done[0].spec.worker, 0u);
  EXPECT_EQ(done[0].pid, 100);  // the fake's first worker
}

TEST(RunSchedule, WhatTheRunEndsBeforeIsNotFired) {
  ManualClock clock(kOrigin);
  FakePool pool(clock, 2);
  RunSchedule schedule(pool, clock,
                       {inject(0.5, ControlSignal::quit, 0), inject(3.5, ControlSignal::quit, 1)},
                       1.0);
  schedule.run(kOrigin, 3.0);
  ASSERT_EQ(pool.signals.size(), 1u);
  const InjectionRecord& late = schedule.injections()[1];
  EXPECT_EQ(late.outcome, InjectionOutcome::not_fired);
  EXPECT_FALSE(late.times.signal_sent);
  EXPECT_EQ(late.pid, 0);
}

TEST(RunSchedule, AnUnknownWorkerIsNotDelivered) {
  ManualClock clock(kOrigin);
  FakePool pool(clock, 2);
  RunSchedule schedule(pool, clock, {inject(1, ControlSignal::abort, 7)}, 1.0);
  schedule.run(kOrigin, 2.0);
  const InjectionRecord& r = schedule.injections()[0];
  EXPECT_EQ(r.outcome, InjectionOutcome::not_delivered);
  EXPECT_NE(r.detail.find("no live worker '7'"), std::string::npos) << r.detail;
  EXPECT_DOUBLE_EQ(*r.times.signal_sent, 1.0);
}

// The run ends while the effect is awaited: the check goes on past the end, until the wait's
// limit, and keeps what it saw (the worker left; nobody replaced it).
TEST(RunSchedule, AnEffectNeverSeenTimesOutAfterTheEnd) {
  ManualClock clock(kOrigin);
  FakePool pool(clock, 2);
  pool.never_replaced = {1};
  RunSchedule schedule(pool, clock, {inject(2.5, ControlSignal::abort, 1)}, 1.0);
  schedule.run(kOrigin, 3.0);
  const InjectionRecord& r = schedule.injections()[0];
  EXPECT_EQ(r.outcome, InjectionOutcome::no_effect_timeout);
  EXPECT_TRUE(r.times.worker_gone);
  EXPECT_FALSE(r.times.replacement_spawned);
  EXPECT_FALSE(r.times.effect_seen);
  EXPECT_GE(clock.now_s(), kOrigin + 2.5 + InjectionJob::kWaitS - kTick);
  EXPECT_LE(clock.now_s(), kOrigin + 2.5 + InjectionJob::kWaitS + InjectionJob::kPollS + kTick);
}

TEST(RunSchedule, ScrapesAtTheIntervalUntilTheEnd) {
  ManualClock clock(kOrigin);
  FakePool pool(clock, 2, /*rate=*/100);
  RunSchedule schedule(pool, clock, {}, 0.5);
  schedule.run(kOrigin, 2.2);
  const std::vector<ScrapeSample>& samples = schedule.scrapes();
  ASSERT_EQ(samples.size(), 4u);
  for (size_t i = 0; i < samples.size(); ++i) {
    EXPECT_DOUBLE_EQ(samples[i].t_s, 0.5 * static_cast<double>(i + 1));
    EXPECT_DOUBLE_EQ(pool.scrape_times[i], kOrigin + samples[i].t_s);
    EXPECT_NEAR(samples[i].requests, 100 * samples[i].t_s, 1e-6);
  }
}

TEST(RunSchedule, AMasterSignalWaitsForItsEffect) {
  ManualClock clock(kOrigin);
  FakePool pool(clock, 2);
  RunSchedule schedule(pool, clock, {inject(1, ControlSignal::usr1, std::nullopt)}, 1.0);
  schedule.run(kOrigin, 2.0);
  const InjectionRecord& r = schedule.injections()[0];
  EXPECT_EQ(r.outcome, InjectionOutcome::effect_seen);
  EXPECT_EQ(r.detail, "delivered");
  EXPECT_EQ(r.pid, 1);
}

}  // namespace
}  // namespace wpm::bench
