// The thread worker (Gunicorn's gthread + the exporter's PrometheusThreadWorker): one poller
// thread and a pool of `threads` handler threads (thread_handler.h: leader/followers on an
// edge-triggered epoll set of the connections), HTTP/1.1 keep-alive.
//
// The poller owns the signals, the timers, the heartbeat and the worker's lifecycle; the
// leading handler thread accepts (thread_listener.h): while the worker holds fewer than
// `worker_connections` connections; at the cap the listen socket stays disarmed (the backlog
// waits, or another worker accepts) until a connection closes, and responses stop offering
// keep-alive, as gthread does. Every tick the poller sweeps the idle connections: keep-alive
// idle past `keepalive`, a request or a fresh connection silent past `timeout`, and when
// quitting, connections idle between requests.
//
// Heartbeat — "the pool makes progress": beaten with the current time while at least one
// handler thread is free; while every thread is on a request, it stays at the moment the
// most recent of those requests began. So a pool whose threads are ALL stuck (/cpu/<long> on
// every thread) shows a heartbeat as old as its youngest stuck request, and the master's
// `timeout` aborts it — while one long request among free threads, or a saturated pool that
// keeps finishing requests, stays fresh. (Gunicorn's gthread beats from its main loop no
// matter what, so a fully stuck gthread worker is never detected.)
//
// Signals: handler threads block the control signals, so QUIT/TERM/INT/ABRT/USR1 land on the
// poller (ABRT and INT exit from their handlers at once). QUIT, max_requests and a dead master
// stop accepting, finish the requests in hand with "Connection: close", and close the
// keep-alive connections once they have been idle for kQuitQuietNs — a request a client sent
// right after its previous response is answered (with close) rather than cut off; bytes
// already received on an idle connection are always answered. TERM also stops accepting but
// keeps serving open connections (each response with "Connection: close") until they close,
// idle out, or `graceful_timeout` passes, then behaves as QUIT. The worker exits 0 when its last
// connection closes.
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "workers/signals.h"
#include "workers/thread_handler.h"
#include "workers/worker_context.h"

namespace wpm {
namespace threaded {
namespace {

constexpr uint64_t kQuitQuietNs = 200'000'000;       // idle this long when quitting → closed
constexpr int kMaxTickMs = 100;                      // sweep precision
constexpr uint64_t kSignalKey = 1, kWakeKey = 2;

Status add_to_epoll(int epoll_fd, int fd, uint64_t key, const char* what) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = key;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
    return errno_error(std::string("epoll_ctl ADD of ") + what + " fd " + std::to_string(fd));
  return {};
}

Result<UniqueFd> make_eventfd(const char* what) {
  UniqueFd fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd.valid()) return errno_error(std::string("eventfd for ") + what);
  return fd;
}



bool has_unread_bytes(int fd) {
  int n = 0;
  return ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

class Poller {
 public:
  explicit Poller(WorkerContext& ctx) : ctx_(ctx) {}
  ~Poller() { stop_threads(); }
  int run();

 private:
  Status setup();
  Status start_threads();
  void stop_threads();
  Mode mode() const { return pool_->mode.load(std::memory_order_relaxed); }
  void begin_stop(Mode mode, uint64_t now, const char* why);
  void watch_stop(uint64_t now);
  void watch_parent(uint64_t now);
  void beat(uint64_t now);
  void sweep(uint64_t now);
  Status wait(int timeout_ms, uint64_t& now);
  int exit_gracefully();

  WorkerContext& ctx_;
  UniqueFd epoll_;       // the poller's: signal eventfd, wake eventfd
  UniqueFd conn_epoll_;  // the handler threads': listen socket, connections, stop eventfd
  UniqueFd wake_;        // handler → poller: a connection closed while the poller waits
  UniqueFd stop_;        // poller → handlers: written once, never drained (level-triggered)
  std::unique_ptr<PoolShared> pool_;
  std::vector<std::unique_ptr<Handler>> handlers_;
  std::vector<std::thread> threads_;
  bool orphaned_ = false;
  uint64_t graceful_deadline_ = 0;
  uint64_t quiet_ns_ = kQuitQuietNs;
};

Status Poller::setup() {
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  conn_epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid() || !conn_epoll_.valid()) return errno_error("epoll_create1");
  Result<UniqueFd> wake = make_eventfd("the poller's wake-up");
  if (!wake) return wake.error();
  wake_ = std::move(wake).value();
  Result<UniqueFd> stop = make_eventfd("stopping handler threads");
  if (!stop) return stop.error();
  stop_ = std::move(stop).value();
  if (Status s = add_to_epoll(epoll_.get(), signal_wake_fd(), kSignalKey, "signal eventfd"); !s)
    return s;
  if (Status s = add_to_epoll(epoll_.get(), wake_.get(), kWakeKey, "wake eventfd"); !s) return s;
  if (Status s = add_to_epoll(conn_epoll_.get(), stop_.get(), kStopKey, "stop eventfd"); !s)
    return s;
  make_room_for_connections(ctx_.options.worker_connections);
  pool_ = std::make_unique<PoolShared>(ctx_, conn_epoll_.get(), wake_.get());
  if (Status s = pool_->listener.start(); !s) return s;
  return start_threads();
}

Status Poller::start_threads() {
  // Threads inherit the mask: control signals then always land on this thread.
  sigset_t control, old;
  sigemptyset(&control);
  for (int s : {SIGQUIT, SIGTERM, SIGINT, SIGABRT, SIGUSR1}) sigaddset(&control, s);
  pthread_sigmask(SIG_BLOCK, &control, &old);
  uint32_t n = std::max<uint32_t>(ctx_.options.threads, 1);
  Status status;
  try {
    for (uint32_t i = 0; i < n; ++i) {
      handlers_.push_back(std::make_unique<Handler>(*pool_, i));
      threads_.emplace_back(&Handler::run, handlers_.back().get());
    }
  } catch (const std::system_error& e) {
    status = Error{"cannot start handler thread " + std::to_string(threads_.size()) + ": " +
                   e.what()};
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return status;
}

void Poller::stop_threads() {
  if (threads_.empty()) return;
  uint64_t one = 1;
  ssize_t ignored = write(stop_.get(), &one, sizeof(one));
  (void)ignored;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Poller::begin_stop(Mode mode, uint64_t now, const char* why) {
  log_info(why, ": stop accepting, ", pool_->conns.live(), " connection(s) open");
  pool_->mode.store(mode, std::memory_order_relaxed);
  pool_->listener.stop();
  pool_->wake_on_close.store(true, std::memory_order_seq_cst);
  graceful_deadline_ = now + seconds_to_ns(ctx_.options.graceful_timeout_s);
}

void Poller::watch_stop(uint64_t now) {
  if (mode() == Mode::serving) {
    if (std::optional<ExitReason> r = stop_requested()) {
      bool term = *r == ExitReason::term;
      begin_stop(term ? Mode::draining : Mode::closing, now, term ? "TERM" : "quitting");
      return;
    }
  } else if (mode() == Mode::draining && now >= graceful_deadline_) {
    log_info("graceful timeout: closing the remaining connections");
    pool_->mode.store(Mode::closing, std::memory_order_relaxed);
    quiet_ns_ = 0;
  }
}

void Poller::watch_parent(uint64_t now) {
  if (orphaned_ || ctx_.parent_alive()) return;
  log_warning("master ", ctx_.parent_pid, " is gone; exiting");
  orphaned_ = true;
  quiet_ns_ = 0;
  begin_stop(Mode::closing, now, "master gone");
}

void Poller::beat(uint64_t now) {
  uint64_t newest = 0;
  for (uint32_t i = 0; i < threads_.size(); ++i) {
    uint64_t since = pool_->busy[i].since_ns.load(std::memory_order_relaxed);
    if (since == 0) {  // a free thread: the pool can take a request
      newest = now;
      break;
    }
    newest = std::max(newest, since);
  }
  SlotHot& hot = ctx_.slot.hot;
  // Never backwards: a handler waiting on a slow peer may have beaten more recently.
  if (newest > hot.heartbeat_ns.load(std::memory_order_relaxed)) heartbeat(hot, newest);
}

void Poller::sweep(uint64_t now) {
  bool closing = mode() == Mode::closing;
  ConnTable& conns = pool_->conns;
  for (uint32_t i = 0, n = conns.allocated(); i < n; ++i) {
    Conn& c = conns.at(i);
    uint64_t tag = c.tag.load(std::memory_order_acquire);
    if (state_of(tag) != ConnState::idle) continue;
    bool partial = c.partial.load(std::memory_order_relaxed);
    uint64_t deadline = c.deadline_ns.load(std::memory_order_relaxed);
    uint64_t idle_since = c.idle_since_ns.load(std::memory_order_relaxed);
    bool quiet = closing && !partial && now >= idle_since && now - idle_since >= quiet_ns_;
    if (now < deadline && !quiet) continue;
    if (!conns.claim_idle(c, tag)) continue;  // a handler took it meanwhile
    // A request that arrived while every thread was busy is waiting for a thread, not idle.
    if (!partial && has_unread_bytes(c.fd.get())) {
      pool_->rearm(c, now, deadline);
      continue;
    }
    pool_->close(c);
  }
}

Status Poller::wait(int timeout_ms, uint64_t& now) {
  epoll_event events[4];
  int n = epoll_wait(epoll_.get(), events, 4, timeout_ms);
  if (n < 0 && errno != EINTR) return errno_error("epoll_wait on the poller's set");
  now = monotonic_ns();
  for (int i = 0; i < n; ++i) {
    uint64_t key = events[i].data.u64;
    if (key == kSignalKey) {
      drain_signal_wake();
    } else if (key == kWakeKey) {
      uint64_t value = 0;
      ssize_t ignored = read(wake_.get(), &value, sizeof(value));
      (void)ignored;
    }
  }
  return {};
}

int Poller::run() {
  if (Status s = setup(); !s) {
    log_error("thread worker: ", s.error().message);
    return kExitRuntime;
  }
  // Idle connections expire at most a tick late: a tenth of a second, or half a short
  // keepalive.
  int tick_ms = std::min(ctx_.heartbeat_interval_ms(), kMaxTickMs);
  if (pool_->keepalive_on)
    tick_ms = static_cast<int>(std::clamp<uint64_t>(pool_->keepalive_ns / 2'000'000, 5, tick_ms));
  uint64_t tick_ns = static_cast<uint64_t>(tick_ms) * 1'000'000;
  uint64_t now = monotonic_ns();
  uint64_t next_tick = now;
  for (;;) {
    watch_stop(now);
    // Timers once a tick, not once per wake-up: a sweep scans every connection.
    if (now >= next_tick) {
      next_tick = now + tick_ns;
      beat(now);
      watch_parent(now);
      sweep(now);
      if (mode() == Mode::serving) pool_->listener.tick(now);
    }
    if (mode() != Mode::serving && pool_->conns.live() == 0) return exit_gracefully();
    if (orphaned_ && now >= graceful_deadline_) {
      log_warning("master gone and ", pool_->conns.live(), " connection(s) still busy: exiting");
      std::_Exit(kExitOk);  // stuck handler threads cannot be joined
    }
    if (take_reopen_logs()) log_info("USR1: logs go to stderr, nothing to reopen");
    int timeout_ms = static_cast<int>((next_tick - std::min(now, next_tick) + 999'999) / 1'000'000);
    if (Status s = wait(timeout_ms, now); !s) {
      log_error("thread worker: ", s.error().message);
      return kExitRuntime;  // ~Poller stops the threads once their requests are done
    }
  }
}

int Poller::exit_gracefully() {
  stop_threads();
  if (orphaned_) return kExitOk;  // nobody is left to read the slot
  ExitReason reason = stop_requested().value_or(ExitReason::quit);
  pool_->metrics.handle_quit(reason);
  log_info("exiting gracefully (", to_string(reason), ")");
  return kExitOk;
}

}  // namespace
}  // namespace threaded

int run_thread_worker(WorkerContext& ctx) {
  // O_NONBLOCK lives on the shared open file description; every model wants it (README).
  int flags = fcntl(ctx.listen_fd, F_GETFL);
  if (flags < 0 || fcntl(ctx.listen_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    log_error("cannot make listen fd ", ctx.listen_fd, " non-blocking: ", std::strerror(errno));
    return kExitRuntime;
  }
  threaded::Poller poller(ctx);
  return poller.run();
}

}  // namespace wpm
