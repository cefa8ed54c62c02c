// The thread worker's accepting: the listen socket sits in the handler threads' epoll set
// (one-shot), so the leading handler thread accepts, and the connection's first request is
// usually served by the same awake thread — one wake-up per connection instead of two (poller,
// then handler). It also spreads connections over the workers of a pool: a worker whose
// leader is busy serving accepts later than an idle sibling, as a busy sync worker does.
//
// At most one thread accepts at a time (the mutex), so the --worker-connections cap is never
// overshot. The socket is re-armed after each accept while the worker is below the cap; at
// the cap it stays disarmed and the next connection to close re-arms it (gthread's "stop
// accepting at the cap"); after EMFILE it stays disarmed for a moment and the poller's tick
// re-arms it. While the worker holds more than its fair share of the pool's connections
// (accept_balance.h) it stays disarmed too, and the tick re-checks. stop() takes it out of
// the set for good (QUIT, TERM, master gone).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "core/result.h"
#include "workers/accept_balance.h"

namespace wpm::threaded {

struct PoolShared;

// The epoll key of the listen socket in the connection set (no connection has it).
inline constexpr uint64_t kListenKey = UINT64_MAX - 1;

class Listener {
 public:
  Listener(PoolShared& pool, int listen_fd);

  // Registers the listen socket, armed.
  Status start();
  // A handler thread got kListenKey: accept (at most a few), then re-arm if still allowed.
  void on_ready();
  // A connection closed: re-arm if the cap had left the socket disarmed.
  void on_closed();
  // The poller's tick: re-arm after an accept back-off.
  void tick(uint64_t now_ns);
  // No more accepting, for good.
  void stop();

 private:
  void rearm_locked(uint64_t now_ns);
  // The connection count siblings read (a relaxed store of the live count: any thread).
  void publish_connections();

  PoolShared& pool_;
  int listen_fd_;
  std::mutex mutex_;
  bool registered_ = false;
  bool armed_ = false;
  bool stopped_ = false;
  uint64_t backoff_until_ns_ = 0;
  AcceptBalance balance_;  // under mutex_
  // The last look said hold: a close or the tick looks again (read without the lock).
  std::atomic<bool> holding_{false};
  std::atomic<bool> waiting_for_close_{false};  // disarmed at the cap (checked without the lock)
};

}  // namespace wpm::threaded
