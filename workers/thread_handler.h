// The thread worker's handler threads and the state they share with the poller thread.
//
// The leading handler thread waits in epoll_wait on the connection epoll set (idle
// connections sit there, not in a thread), claims the connection of an event, reads what is
// there without blocking, and when the parser holds a complete request, handles it in
// blocking style:
// cpu_us spins, io_us sleeps this thread, the response is written with a deadline. Then it
// serves any pipelined request already buffered and parks the connection back in epoll. A
// request that is still arriving (a slow client) is parked too: it costs no thread.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "workers/blocking_io.h"
#include "workers/exchange.h"
#include "workers/instrumentation.h"
#include "workers/thread_conns.h"
#include "workers/thread_listener.h"
#include "workers/worker_context.h"

namespace wpm::threaded {

// serving: accept, keep-alive. draining (TERM): no accept, open connections keep being
// served, each response with "Connection: close". closing (QUIT, max_requests, after graceful_timeout, master gone):
// every response closes its connection, idle ones are closed by the poller.
enum class Mode : uint8_t { serving, draining, closing };

// The epoll key of the eventfd that stops the handler threads (no connection has it).
inline constexpr uint64_t kStopKey = UINT64_MAX;

// When a handler thread started the request it is on (0: not on a request). The poller reads
// these for the heartbeat.
struct alignas(64) BusyCell {
  std::atomic<uint64_t> since_ns{0};
};

struct PoolShared {
  PoolShared(WorkerContext& context, int conn_epoll_fd, int acceptor_wake_fd);

  WorkerContext& ctx;
  PrometheusMixin metrics;
  http::BodyBudget body_budget;  // request bodies of all connections together
  ConnTable conns;
  Listener listener;
  std::unique_ptr<BusyCell[]> busy;  // one per handler thread
  std::atomic<Mode> mode{Mode::serving};
  // Set by the poller once stopping: it waits for the last connection to close.
  std::atomic<bool> wake_on_close{false};
  std::atomic<uint64_t> requests_begun{0};  // for max_requests
  std::mutex leader;  // held by the handler thread that waits in epoll_wait (Handler)
  int conn_epoll_fd;
  int acceptor_wake_fd;
  uint64_t keepalive_ns;   // idle time allowed between requests
  uint64_t io_timeout_ns;  // a slow request, a slow reader, a fresh silent connection
  bool keepalive_on;       // --keepalive 0 turns keep-alive off (every response closes)

  // May the response being built keep its connection open?
  bool keep_alive_allowed() const;
  // Closes a connection the caller owns and tells whoever waits for that (the listener at
  // the cap, the poller when stopping).
  void close(Conn& c);
  // Parks a connection the caller owns (and drained) with the right deadline.
  ParkResult park(Conn& c, uint64_t now_ns);
  // Gives a connection the caller owns but did not serve back to epoll, readiness re-checked
  // so another thread picks up bytes already waiting.
  void rearm(Conn& c, uint64_t now_ns, uint64_t deadline_ns);
};

// Leader/followers: one handler thread at a time — the leader — waits in epoll_wait, takes up
// to kBatch ready connections and serves them in turn; the others wait on the leader mutex.
// Tiny requests are then all served by one running thread, as nginx serves them, instead of
// waking a sleeping thread per request (that context switch costs more than the request).
// Before anything that may block — a plan with cpu_us, io_us or a leak, a write to a full
// socket, a lingering close — the leader steps down: it lets a follower lead and hands the
// connections it has not served back to epoll, so no request waits behind a slow one while a
// thread is free. Concurrency stays bounded by --threads: a thread blocks on one request.
class Handler {
 public:
  Handler(PoolShared& pool, uint32_t index);
  // The thread body: serves connections until the stop key fires.
  void run();

 private:
  enum class Fill { ready, again, closed };
  static constexpr int kBatch = 16;

  void serve(Conn& c);
  // Gives up the lead and the rest of the batch before this thread may block.
  void step_down();
  IoResult write(Conn& c);
  bool send_continue(Conn& c);
  Fill fill(Conn& c);
  // Handles the parser's complete request or parse error; false once the connection closed.
  bool respond_one(Conn& c);
  void count_request();

  PoolShared& pool_;
  BusyCell& busy_;
  Exchange exchange_;
  epoll_event batch_[kBatch];
  int batch_len_ = 0;
  int batch_next_ = 0;
  std::unique_lock<std::mutex> lead_;  // owns PoolShared::leader while leading
};

}  // namespace wpm::threaded
