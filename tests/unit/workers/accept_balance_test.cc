// The fair-share rule that spreads keep-alive connections over a pool, read from real slots.
#include "workers/accept_balance.h"

#include <gtest/gtest.h>

#include <optional>

#include "core/slot_ops.h"

namespace wpm {
namespace {

TEST(OverFairShare, EveryPositionRunningHoldsWhenTheNextWouldPutItAboveTheShare) {
  EXPECT_TRUE(over_fair_share(8, 8, 2, 2));
  EXPECT_TRUE(over_fair_share(3, 4, 2, 2));
  EXPECT_TRUE(over_fair_share(2, 3, 2, 2));   // a 3rd of 4 would be above ceil(4 / 2)
  EXPECT_FALSE(over_fair_share(1, 3, 2, 2));  // the other one takes it
  EXPECT_FALSE(over_fair_share(4, 8, 2, 2));  // even: both accept
  EXPECT_FALSE(over_fair_share(4, 16, 4, 4));
  EXPECT_TRUE(over_fair_share(4, 13, 4, 4));  // a 5th of 14 would be above ceil(14 / 4)
  EXPECT_FALSE(over_fair_share(3, 13, 4, 4));
  EXPECT_TRUE(over_fair_share(4, 12, 4, 4));  // three at 4, the fourth at 0: it takes the next
  EXPECT_FALSE(over_fair_share(0, 12, 4, 4));
  EXPECT_FALSE(over_fair_share(100, 100, 1, 1));  // alone: always accept
  EXPECT_FALSE(over_fair_share(0, 0, 4, 4));
}

// 16 connections arriving at once, each accept going to a worker the rule lets accept: every
// order ends 4/4/4/4. Here the greediest order: the lowest-numbered worker that may accept.
TEST(OverFairShare, ABurstSpreadsEvenly) {
  int64_t own[4] = {0, 0, 0, 0};
  for (int64_t total = 0; total < 16; ++total) {
    int w = 0;
    while (w < 4 && over_fair_share(own[w], total, 4, 4)) ++w;
    ASSERT_LT(w, 4) << "nobody accepts at " << total;
    ++own[w];
  }
  for (int64_t n : own) EXPECT_EQ(n, 4);
}

TEST(OverFairShare, APositionAwaitingItsWorkerLeavesItTheReconnections) {
  // 16 connections over 4 workers, worker 0 aborted: 3 survivors at 4 each, its 4 clients
  // reconnecting: they wait for the replacement.
  EXPECT_TRUE(over_fair_share(4, 12, 4, 3));
  EXPECT_FALSE(over_fair_share(3, 11, 4, 3));  // below the running average: accepts
  EXPECT_TRUE(over_fair_share(4, 4, 2, 1));    // the lone survivor of 2
  EXPECT_FALSE(over_fair_share(0, 0, 2, 1));   // a worker with nothing always accepts
  EXPECT_FALSE(over_fair_share(1, 1, 4, 1));   // one connection is never held against
  EXPECT_TRUE(over_fair_share(2, 2, 4, 1));    // boot: first up waits a little for the rest
  EXPECT_FALSE(over_fair_share(1, 1, 4, 4));   // connection-close load: 0 or 1 each
}

class AcceptBalanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Segment> s = Segment::create(4);
    ASSERT_TRUE(s.ok()) << s.error().message;
    segment_.emplace(std::move(s).value());
  }
  WorkerSlot& start(uint32_t slot, uint32_t index, int64_t connections) {
    WorkerSlot& w = segment_->slot(slot);
    claim_slot(w, index, slot + 1, 1000 + static_cast<int32_t>(slot));
    set_state(w.hot, WorkerState::running);
    w.hot.connections.store(connections);
    return w;
  }
  std::optional<Segment> segment_;
};

constexpr uint64_t kT0 = 1'000'000'000;

TEST_F(AcceptBalanceTest, ASurvivorLeavesReconnectionsToTheComingReplacement) {
  WorkerSlot& me = start(0, 0, 4);
  WorkerSlot& dead = start(1, 1, 4);
  AcceptBalance balance(&*segment_, me);
  EXPECT_FALSE(balance.hold(4, kT0));  // even
  EXPECT_TRUE(balance.hold(5, kT0));  // a 6th of 10 would be above ceil(10 / 2)
  EXPECT_FALSE(balance.hold(4, kT0));
  // The sibling was aborted: its slot says exited, its connections are gone; the position
  // stays in the pool, so the survivor's fair share is half of what is open.
  dead.life.status.store(static_cast<uint32_t>(SlotStatus::exited));
  EXPECT_TRUE(balance.hold(4, kT0));
  EXPECT_TRUE(balance.hold(6, kT0 + 10'000'000));
  // The replacement is up and took its share: accept again.
  start(2, 1, 4);
  EXPECT_FALSE(balance.hold(4, kT0 + 20'000'000));
}

TEST_F(AcceptBalanceTest, BootingOrQuittingSiblingsHoldNoShareButKeepTheirPosition) {
  WorkerSlot& me = start(0, 0, 4);
  WorkerSlot& other = start(1, 1, 40);
  set_state(other.hot, WorkerState::quitting);
  AcceptBalance balance(&*segment_, me);
  EXPECT_TRUE(balance.hold(4, kT0));  // 4 of 4 in a pool of 2
  set_state(other.hot, WorkerState::booting);
  EXPECT_TRUE(balance.hold(4, kT0));
  set_state(other.hot, WorkerState::running);
  EXPECT_FALSE(balance.hold(4, kT0));  // 4 of 44
}

TEST_F(AcceptBalanceTest, TheHoldIsBoundedWhenNoSiblingComes) {
  WorkerSlot& me = start(0, 0, 4);
  WorkerSlot& dead = start(1, 1, 0);
  dead.life.status.store(static_cast<uint32_t>(SlotStatus::exited));
  AcceptBalance balance(&*segment_, me);
  EXPECT_TRUE(balance.hold(4, kT0));
  EXPECT_TRUE(balance.hold(4, kT0 + AcceptBalance::kMaxHoldNs - 1));
  EXPECT_FALSE(balance.hold(4, kT0 + AcceptBalance::kMaxHoldNs));  // gave up
  EXPECT_FALSE(balance.hold(5, kT0 + AcceptBalance::kMaxHoldNs + 1));
  // Once the load is even again the rule applies afresh.
  EXPECT_FALSE(balance.hold(0, kT0 + 2 * AcceptBalance::kMaxHoldNs));
  EXPECT_TRUE(balance.hold(4, kT0 + 2 * AcceptBalance::kMaxHoldNs + 1));
}

TEST_F(AcceptBalanceTest, AScaledDownPositionIsNotWaitedFor) {
  WorkerSlot& me = start(0, 0, 4);
  WorkerSlot& gone = start(1, 1, 0);
  gone.life.status.store(static_cast<uint32_t>(SlotStatus::exited));
  gone.life.exit_reason.store(static_cast<uint32_t>(ExitReason::scale_down));
  AcceptBalance balance(&*segment_, me);
  EXPECT_FALSE(balance.hold(4, kT0));
}

TEST(AcceptBalance, WithoutASegmentNeverHolds) {
  WorkerSlot slot{};
  AcceptBalance balance(nullptr, slot);
  EXPECT_FALSE(balance.hold(1000, kT0));
}

}  // namespace
}  // namespace wpm
