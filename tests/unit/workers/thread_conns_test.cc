// The thread worker's connection table on its own: ownership hand-offs through a real epoll
// set and socketpairs, stale events after a slot is reused, the cap, and a multi-threaded
// claim/park/release storm (run under ASan, it would catch a use of a freed slot).
#include <gtest/gtest.h>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "workers/thread_conns.h"

namespace wpm::threaded {
namespace {

struct Pair {
  Pair() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
    ours = UniqueFd(fds[0]);
    peer = UniqueFd(fds[1]);
  }
  UniqueFd ours, peer;
};

constexpr uint64_t kNoEvent = UINT64_MAX;  // never a connection's key

// One epoll event's key, or kNoEvent after timeout_ms.
uint64_t next_key(int epoll_fd, int timeout_ms) {
  epoll_event ev{};
  return epoll_wait(epoll_fd, &ev, 1, timeout_ms) == 1 ? ev.data.u64 : kNoEvent;
}

class ConnTableTest : public ::testing::Test {
 protected:
  UniqueFd epoll_{epoll_create1(EPOLL_CLOEXEC)};
  http::BodyBudget budget_{1 << 20};
};

TEST_F(ConnTableTest, AnEventHandsTheConnectionToExactlyOneClaimer) {
  ConnTable table(4, epoll_.get(), budget_);
  Pair p;
  ASSERT_TRUE(table.open(std::move(p.ours), monotonic_ns(), UINT64_MAX));
  EXPECT_EQ(table.live(), 1u);
  EXPECT_EQ(next_key(epoll_.get(), 0), kNoEvent);  // nothing to read yet
  ASSERT_EQ(write(p.peer.get(), "x", 1), 1);
  uint64_t key = next_key(epoll_.get(), 1000);
  ASSERT_NE(key, kNoEvent);
  Conn* c = table.claim(key);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(next_key(epoll_.get(), 0), kNoEvent);  // edge-triggered: no new bytes, no event
  // Parked without re-arming (a handler that drained it): only new bytes wake it.
  EXPECT_EQ(table.park(*c, monotonic_ns(), UINT64_MAX, false, false), ParkResult::parked);
  EXPECT_EQ(table.claim(key ^ (uint64_t{1} << 32)), nullptr);  // another generation's key
  EXPECT_EQ(next_key(epoll_.get(), 0), kNoEvent);
  ASSERT_EQ(write(p.peer.get(), "y", 1), 1);
  EXPECT_EQ(next_key(epoll_.get(), 1000), key);
  ASSERT_EQ(table.claim(key), c);
  // Re-armed (the poller's park), the unread bytes are reported again at once.
  EXPECT_EQ(table.park(*c, monotonic_ns(), UINT64_MAX, false, true), ParkResult::parked);
  uint64_t again = next_key(epoll_.get(), 1000);
  EXPECT_EQ(again, key);
  EXPECT_EQ(table.claim(again), c);
  EXPECT_EQ(table.release(*c), 0u);
}

TEST_F(ConnTableTest, AnEdgeWhileOwnedIsHandedBackByPark) {
  ConnTable table(2, epoll_.get(), budget_);
  Pair p;
  ASSERT_TRUE(table.open(std::move(p.ours), monotonic_ns(), UINT64_MAX));
  ASSERT_EQ(write(p.peer.get(), "x", 1), 1);
  uint64_t key = next_key(epoll_.get(), 1000);
  Conn* c = table.claim(key);
  ASSERT_NE(c, nullptr);
  // More bytes while the owner serves: the edge goes to another handler, which drops it.
  ASSERT_EQ(write(p.peer.get(), "y", 1), 1);
  uint64_t edge = next_key(epoll_.get(), 1000);
  ASSERT_EQ(edge, key);
  EXPECT_EQ(table.claim(edge), nullptr);
  EXPECT_EQ(state_of(c->tag.load()), ConnState::busy_event);
  // The owner's park says so: it still owns the connection and must read again.
  EXPECT_EQ(table.park(*c, monotonic_ns(), UINT64_MAX, false, false), ParkResult::event);
  EXPECT_EQ(state_of(c->tag.load()), ConnState::busy);
  EXPECT_EQ(table.park(*c, monotonic_ns(), UINT64_MAX, false, false), ParkResult::parked);
  ASSERT_TRUE(table.claim_idle(*c, c->tag.load()));
  table.release(*c);
}

TEST_F(ConnTableTest, AStaleEventNeverReachesTheSlotsNextConnection) {
  ConnTable table(1, epoll_.get(), budget_);
  Pair first;
  ASSERT_TRUE(table.open(std::move(first.ours), monotonic_ns(), UINT64_MAX));
  ASSERT_EQ(write(first.peer.get(), "x", 1), 1);
  uint64_t old_key = next_key(epoll_.get(), 1000);
  ASSERT_NE(old_key, kNoEvent);
  // The sweeper closes it before the handler holding the event claims it.
  Conn& slot = table.at(0);
  ASSERT_TRUE(table.claim_idle(slot, slot.tag.load()));
  table.release(slot);
  Pair second;
  ASSERT_TRUE(table.open(std::move(second.ours), monotonic_ns(), UINT64_MAX));
  EXPECT_EQ(table.claim(old_key), nullptr);
  ASSERT_EQ(write(second.peer.get(), "y", 1), 1);
  uint64_t new_key = next_key(epoll_.get(), 1000);
  EXPECT_NE(new_key, old_key);
  EXPECT_EQ(table.claim(new_key), &slot);
  table.release(slot);
}

TEST_F(ConnTableTest, TheSweeperAndAHandlerNeverBothOwnAConnection) {
  ConnTable table(2, epoll_.get(), budget_);
  Pair p;
  ASSERT_TRUE(table.open(std::move(p.ours), monotonic_ns(), UINT64_MAX));
  ASSERT_EQ(write(p.peer.get(), "x", 1), 1);
  uint64_t key = next_key(epoll_.get(), 1000);
  Conn& c = table.at(0);
  uint64_t seen = c.tag.load();
  ASSERT_NE(table.claim(key), nullptr);  // the handler wins
  EXPECT_FALSE(table.claim_idle(c, seen));  // the sweeper's tag is out of date
  table.release(c);
}

TEST_F(ConnTableTest, OpenRefusesPastTheCapacityAndReusesFreedSlots) {
  ConnTable table(2, epoll_.get(), budget_);
  Pair a, b, c;
  ASSERT_TRUE(table.open(std::move(a.ours), 0, UINT64_MAX));
  ASSERT_TRUE(table.open(std::move(b.ours), 0, UINT64_MAX));
  EXPECT_FALSE(table.open(std::move(c.ours), 0, UINT64_MAX));
  EXPECT_EQ(table.live(), 2u);
  ASSERT_TRUE(table.claim_idle(table.at(1), table.at(1).tag.load()));
  EXPECT_EQ(table.release(table.at(1)), 1u);
  Pair d;
  ASSERT_TRUE(table.open(std::move(d.ours), 0, UINT64_MAX));
  EXPECT_EQ(table.allocated(), 2u);
}

// Handler threads claim, "serve" (read the byte) and park or release, while a sweeper thread
// closes idle connections and the main thread keeps opening new ones: every connection opened
// is released exactly once and no byte is served twice.
TEST_F(ConnTableTest, ConcurrentClaimParkSweepStorm) {
  constexpr uint32_t kCap = 64;
  ConnTable table(kCap, epoll_.get(), budget_);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> released{0};
  auto handler = [&] {
    while (!stop.load()) {
      uint64_t key = next_key(epoll_.get(), 10);
      Conn* c = key != kNoEvent ? table.claim(key) : nullptr;
      if (c == nullptr) continue;
      char buf[16];
      ssize_t n = recv(c->fd.get(), buf, sizeof(buf), 0);
      if (n == 0 || (c->index % 3 == 0 && n > 0)) {
        table.release(*c);
        released.fetch_add(1);
      } else {
        // Drained (one byte at a time is fine: a short read) → park without a system call.
        for (;;) {
          ssize_t more = recv(c->fd.get(), buf, sizeof(buf), 0);
          if (more <= 0) break;
        }
        ParkResult r;
        while ((r = table.park(*c, monotonic_ns(), monotonic_ns() + 2'000'000, false, false)) ==
               ParkResult::event) {
          ssize_t ignored = recv(c->fd.get(), buf, sizeof(buf), 0);
          (void)ignored;
        }
        if (r == ParkResult::failed) ADD_FAILURE() << "park failed";
      }
    }
  };
  auto sweeper = [&] {
    while (!stop.load()) {
      for (uint32_t i = 0, n = table.allocated(); i < n; ++i) {
        Conn& c = table.at(i);
        uint64_t tag = c.tag.load();
        if (state_of(tag) != ConnState::idle || monotonic_ns() < c.deadline_ns.load()) continue;
        if (table.claim_idle(c, tag)) {
          table.release(c);
          released.fetch_add(1);
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(handler);
  threads.emplace_back(sweeper);
  std::vector<UniqueFd> peers;
  uint64_t opened = 0;
  for (uint64_t start = monotonic_ns(); monotonic_ns() - start < 600'000'000;) {
    if (table.live() < kCap) {
      Pair p;
      if (table.open(std::move(p.ours), monotonic_ns(), monotonic_ns() + 3'000'000)) ++opened;
      peers.push_back(std::move(p.peer));
    }
    for (size_t i = 0; i < peers.size(); i += 7) {
      ssize_t ignored = send(peers[i].get(), "z", 1, MSG_NOSIGNAL);  // may be closed
      (void)ignored;
    }
    if (peers.size() > 512) peers.erase(peers.begin(), peers.begin() + 256);  // EOFs
  }
  peers.clear();  // every remaining connection sees EOF or its deadline
  for (uint64_t t = monotonic_ns(); table.live() > 0 && monotonic_ns() - t < 5'000'000'000;)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop.store(true);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(released.load(), opened);
  EXPECT_EQ(table.live(), 0u);
  EXPECT_GT(opened, 100u);
}

}  // namespace
}  // namespace wpm::threaded
