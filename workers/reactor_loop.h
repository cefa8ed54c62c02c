// The loop shared by the eventlet and gevent workers: everything they do the same way around
// their own connection tasks — accepting (one at a time, like nginx's multi_accept off, so
// connections spread over the pool), the worker_connections cap, the heartbeat, signals,
// max_requests, master death, and the stop policies:
//
//   QUIT (and max_requests): stop accepting; requests in hand finish with "Connection:
//     close"; idle keep-alive connections are closed once they have been idle for a short
//     grace (kQuitIdleGraceNs) — a closed-loop client whose next request is already on the
//     wire is still served (with "Connection: close") instead of seeing its connection reset.
//   TERM: stop accepting; open connections keep being served (each response says "Connection:
//     close") until their keep-alive timeout or graceful_timeout, whichever comes first.
//   Accepting pauses while the worker holds more than its fair share of the pool's
//   connections (accept_balance.h), so a replacement gets its share of reconnections.
//   Both end at graceful_timeout at the latest: every remaining wait is cancelled, each task
//   closes its connection, and the worker exits 0.
//
// A model derives from AsyncServer, creates its connections in serve_new() (a ConnBase it
// owns) and frees them in destroy(), which the loop calls only between reactor polls, so no
// epoll event or timer of the same batch can still point at a freed connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/names.h"
#include "workers/accept_balance.h"
#include "workers/exchange.h"
#include "workers/http_response.h"
#include "workers/instrumentation.h"
#include "workers/reactor.h"
#include "workers/request_parser.h"
#include "core/unique_fd.h"
#include "workers/worker_context.h"

namespace wpm {

// How long a stopping worker keeps an idle keep-alive connection open for a request that may
// already be on its way.
inline constexpr uint64_t kQuitIdleGraceNs = 200'000'000;
// Bounded drain of what a peer still sends after an error response (see lingering_close).
inline constexpr uint64_t kLingerNs = 500'000'000;

// Non-suspending socket steps both models share; a model wraps each in its own wait
// (co_await in eventlet, a hub switch in gevent). They keep the watch's sticky readiness
// up to date: EAGAIN — or a read shorter than the buffer, which drained the socket —
// clears it.
enum class IoStep : uint8_t {
  done,    // read: the parser holds a complete request or an error; write: all sent
  again,   // the socket would block: wait for the direction, then call again
  closed,  // EOF before a full request, or a socket error
};
IoStep read_available(aio::FdWatch& watch, http::RequestParser& parser);
// Writes the exchange's response, recording it at its commit point (see exchange.h).
IoStep write_available(aio::FdWatch& watch, Exchange& exchange);
IoStep send_available(aio::FdWatch& watch, std::string_view& bytes);
// Discards what the peer still sends after our half-close; done at its EOF.
IoStep drain_available(aio::FdWatch& watch);

// How many pooled spares (sessions, green threads) to keep: the peak in use during the last
// period. A steady load never frees and re-creates them; a past burst's memory is given back
// within one or two periods.
class SparePolicy {
 public:
  static constexpr uint64_t kPeriodNs = 10'000'000'000;
  static constexpr size_t kMinSpare = 64;
  void note_in_use(size_t n) { peak_ = n > peak_ ? n : peak_; }
  // Once per period: the number of spares to keep (the caller frees the rest); otherwise
  // SIZE_MAX (keep everything).
  size_t allowance(uint64_t now_ns, size_t in_use) {
    if (now_ns - period_start_ns_ < kPeriodNs) return SIZE_MAX;
    period_start_ns_ = now_ns;
    size_t keep = peak_ > kMinSpare ? peak_ : kMinSpare;
    peak_ = in_use;
    return keep;
  }

 private:
  uint64_t period_start_ns_ = 0;
  size_t peak_ = 0;
};

// Gives freed heap pages back to the kernel after a large pool shrank (glibc keeps them
// otherwise, and the RSS of an idle worker would stay at its burst peak).
void release_free_memory();

struct ConnBase {
  explicit ConnBase(UniqueFd socket) : fd(std::move(socket)) { wait.watch.fd = fd.get(); }
  ConnBase(const ConnBase&) = delete;
  ConnBase& operator=(const ConnBase&) = delete;
  virtual ~ConnBase() = default;

  UniqueFd fd;
  aio::Wait wait;
  uint64_t idle_since_ns = 0;  // when the connection last became idle (accept, response)
  bool idle = true;            // waiting for the first byte of a request
  bool served_any = false;     // later requests wait under keepalive, the first under timeout
  bool retired = false;
  ConnBase* prev = nullptr;    // the loop's list of open connections
  ConnBase* next = nullptr;
};

class AsyncServer {
 public:
  explicit AsyncServer(WorkerContext& ctx);
  virtual ~AsyncServer() = default;
  AsyncServer(const AsyncServer&) = delete;
  AsyncServer& operator=(const AsyncServer&) = delete;

  // Runs until a graceful stop completes: 0, or 1 when the loop itself failed.
  int run();

  aio::Reactor& reactor() { return reactor_; }
  PrometheusMixin& metrics() { return metrics_; }
  const app::SyntheticApp& app() const { return ctx_.app; }
  WorkerContext& ctx() { return ctx_; }

  // Registers an accepted connection (epoll + list + count); false when epoll refused it.
  bool attach(ConnBase& conn);
  // The connection's task is done with it: the fd is closed now, the object freed later.
  void retire(ConnBase& conn);

  // Deadlines, computed from the reactor's clock.
  uint64_t idle_deadline(const ConnBase& conn) const;
  uint64_t io_deadline() { return reactor_.refresh_now() + ctx_.io_timeout_ns(); }
  // Whether the response being built may keep the connection open.
  bool keep_alive_allowed() const;
  // A response was written (or its peer left): counts toward max_requests, and the
  // connection's keep-alive idle time starts now.
  void request_done(ConnBase& conn) {
    ctx_.successor.on_count(++served_);
    conn.served_any = true;
    conn.idle_since_ns = reactor_.refresh_now();
  }
  // Past the graceful deadline: every wait fails at once with `cancelled`.
  bool hard_stopped() const { return hard_stopped_; }
  bool stopping() const { return stop_.has_value(); }

  // Marks conn as waiting for a request (what a QUIT closes) or as having one in hand.
  void set_idle(ConnBase& conn, bool idle) { conn.idle = idle; }

 protected:
  virtual void serve_new(UniqueFd socket) = 0;
  virtual void destroy(ConnBase* conn) = 0;
  // Called after each loop turn, on the hub (trim pools).
  virtual void after_turn() {}
  // Called once when the loop ends, after every connection is gone (free pooled tasks).
  virtual void on_loop_end() {}

 private:
  Status open();
  bool tick();  // one loop iteration's checks; false when the loop must end
  void begin_stop(ExitReason reason);
  void cancel_waits(bool idle_only);
  void accept_some();
  void update_listen_registration();
  void reap();
  bool parent_gone();

  WorkerContext& ctx_;
  PrometheusMixin metrics_;
  AcceptBalance balance_;
  bool holding_ = false;  // over the fair share: leaving new connections to siblings
  aio::Reactor reactor_;
  aio::FdWatch listen_watch_;
  aio::FdWatch signal_watch_;
  bool listening_ = false;
  uint64_t accept_paused_until_ns_ = 0;
  uint64_t parent_checked_ns_ = 0;
  ConnBase* head_ = nullptr;
  ConnBase* retired_ = nullptr;  // singly linked through next
  uint64_t conns_ = 0;
  uint64_t served_ = 0;
  std::optional<ExitReason> stop_;
  uint64_t stop_deadline_ns_ = 0;
  bool hard_stopped_ = false;
};

}  // namespace wpm
