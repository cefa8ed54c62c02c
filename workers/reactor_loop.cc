#include "workers/reactor_loop.h"

#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/log.h"
#include "core/slot_ops.h"
#include "workers/durations.h"
#include "workers/signals.h"

namespace wpm {
namespace {

constexpr uint64_t kParentCheckNs = 50'000'000;
// After EMFILE & co. the listen socket stays readable: stop polling it for a while instead
// of spinning on accept errors.
constexpr uint64_t kAcceptBackoffNs = 100'000'000;
// One accept per loop turn (nginx's multi_accept off): with EPOLLEXCLUSIVE the next pending
// connection goes to whichever worker of the pool is idle, not to the one already busy.
constexpr int kAcceptBatch = 1;

}  // namespace

void release_free_memory() { malloc_trim(0); }

AsyncServer::AsyncServer(WorkerContext& ctx)
    : ctx_(ctx),
      metrics_(ctx.slot, ctx.options.metrics, Writers::single),
      balance_(ctx.segment, ctx.slot) {}

Status AsyncServer::open() {
  int flags = fcntl(ctx_.listen_fd, F_GETFL);
  if (flags < 0 || fcntl(ctx_.listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return errno_error("cannot make listen fd " + std::to_string(ctx_.listen_fd) +
                       " non-blocking");
  if (Status s = reactor_.open(); !s) return s;
  signal_watch_.fd = signal_wake_fd();
  if (Status s = reactor_.add_level(signal_watch_, false); !s) return s;
  listen_watch_.fd = ctx_.listen_fd;
  return {};
}

int AsyncServer::run() {
  int code = kExitOk;
  if (Status s = open(); !s) {
    log_error(s.error().message);
    return kExitRuntime;
  }
  while (tick()) {
    int wait_ms = holding_ ? AcceptBalance::kRecheckMs : ctx_.heartbeat_interval_ms();
    if (Status s = reactor_.poll(wait_ms); !s) {
      log_error(s.error().message);
      hard_stopped_ = true;
      cancel_waits(false);
      code = kExitRuntime;
      break;
    }
    reap();
    after_turn();
  }
  reap();
  on_loop_end();
  if (stop_ && code == kExitOk) {
    metrics_.handle_quit(*stop_);
    log_info("exiting gracefully (", to_string(*stop_), ") after ", served_, " requests");
  }
  return code;
}

bool AsyncServer::tick() {
  uint64_t now = reactor_.refresh_now();
  metrics_.update_worker_metrics();
  if (signal_watch_.ready[0]) {
    drain_signal_wake();
    signal_watch_.ready[0] = false;
  }
  if (take_reopen_logs()) log_info("USR1: logs go to stderr, nothing to reopen");
  if (!stop_) {
    uint64_t max = ctx_.options.max_requests;
    if (auto reason = stop_requested()) begin_stop(*reason);
    else if (max > 0 && served_ >= max) begin_stop(ExitReason::max_requests);
  }
  if (parent_gone()) {
    log_warning("master ", ctx_.parent_pid, " is gone; exiting");
    stop_.reset();  // not a stop the master asked for: nothing to record
    hard_stopped_ = true;
    cancel_waits(false);
    return false;
  }
  if (stop_) {
    reap();
    if (head_ == nullptr) return false;
    if (!hard_stopped_ && now >= stop_deadline_ns_) {
      log_warning("graceful timeout: closing ", conns_, " connection(s) still open");
      hard_stopped_ = true;
      cancel_waits(false);
      reap();
      return false;  // every task has closed its connection by now
    }
  }
  if (listen_watch_.ready[0]) accept_some();
  update_listen_registration();
  return true;
}

void AsyncServer::begin_stop(ExitReason reason) {
  stop_ = reason;
  stop_deadline_ns_ = reactor_.now() + seconds_to_ns(ctx_.options.graceful_timeout_s);
  set_state(metrics_.hot(), WorkerState::quitting);
  log_info("stopping (", to_string(reason), "): ", conns_, " connection(s) open");
  update_listen_registration();
  cancel_waits(/*idle_only=*/true);  // they re-wait under the stop's shorter deadline
}

void AsyncServer::cancel_waits(bool idle_only) {
  // A woken task may retire only its own connection: `next` is read before the wake.
  for (ConnBase* c = head_; c != nullptr;) {
    ConnBase* next = c->next;
    if (!idle_only || c->idle) reactor_.cancel(c->wait);
    c = next;
  }
}

bool AsyncServer::parent_gone() {
  uint64_t now = reactor_.now();
  if (now - parent_checked_ns_ < kParentCheckNs) return false;
  parent_checked_ns_ = now;
  return !ctx_.parent_alive();
}

void AsyncServer::accept_some() {
  listen_watch_.ready[0] = false;
  uint64_t cap = std::max<uint64_t>(1, ctx_.options.worker_connections);
  // Looked at again right before the accept: the last look was before the sibling died.
  holding_ = !stop_ && balance_.hold(static_cast<int64_t>(conns_), reactor_.now());
  for (int i = 0; i < kAcceptBatch && conns_ < cap && !stop_ && !holding_; ++i) {
    int fd = accept4(ctx_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      int one = 1;  // responses go out in one write; never hold the last segment back
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      serve_new(UniqueFd(fd));
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // another worker took it
    log_error("accept on listen fd ", ctx_.listen_fd, ": ", std::strerror(errno));
    accept_paused_until_ns_ = reactor_.now() + kAcceptBackoffNs;
    return;
  }
}

void AsyncServer::update_listen_registration() {
  uint64_t cap = std::max<uint64_t>(1, ctx_.options.worker_connections);
  // Only a hold is re-checked here (a scan of the pool's slots); otherwise accept_some()
  // checks right before it accepts, so a keep-alive steady state never scans.
  if (holding_) holding_ = !stop_ && balance_.hold(static_cast<int64_t>(conns_), reactor_.now());
  bool want = !stop_ && !holding_ && conns_ < cap && reactor_.now() >= accept_paused_until_ns_;
  if (want == listening_) return;
  if (!want) {
    reactor_.remove(listen_watch_);
    listening_ = false;
  } else if (Status s = reactor_.add_level(listen_watch_, /*exclusive=*/true); s) {
    listening_ = true;
  } else {
    log_error(s.error().message);
    accept_paused_until_ns_ = reactor_.now() + kAcceptBackoffNs;
  }
}

bool AsyncServer::attach(ConnBase& conn) {
  if (Status s = reactor_.add(conn.wait.watch); !s) {
    log_error(s.error().message);
    return false;
  }
  conn.next = head_;
  if (head_) head_->prev = &conn;
  head_ = &conn;
  ++conns_;
  metrics_.hot().connections.store(static_cast<int64_t>(conns_), std::memory_order_relaxed);
  conn.idle = true;
  conn.idle_since_ns = reactor_.now();
  return true;
}

void AsyncServer::retire(ConnBase& conn) {
  if (conn.retired) return;
  conn.retired = true;
  if (conn.prev) conn.prev->next = conn.next;
  else head_ = conn.next;
  if (conn.next) conn.next->prev = conn.prev;
  --conns_;
  metrics_.hot().connections.store(static_cast<int64_t>(conns_), std::memory_order_relaxed);
  reactor_.settle(conn.wait);
  conn.fd.reset();  // closing also removes it from the epoll set
  conn.prev = nullptr;
  conn.next = retired_;
  retired_ = &conn;
}

void AsyncServer::reap() {
  while (retired_ != nullptr) {
    ConnBase* c = retired_;
    retired_ = c->next;
    destroy(c);
  }
}

uint64_t AsyncServer::idle_deadline(const ConnBase& conn) const {
  if (hard_stopped_) return 1;  // in the past: close now
  uint64_t limit = conn.served_any ? seconds_to_ns(ctx_.options.keepalive_s)
                                   : ctx_.io_timeout_ns();
  uint64_t deadline = conn.idle_since_ns + limit;
  if (stop_) {
    if (*stop_ != ExitReason::term)
      deadline = std::min(deadline, conn.idle_since_ns + kQuitIdleGraceNs);
    deadline = std::min(deadline, stop_deadline_ns_);
  }
  return deadline;
}

bool AsyncServer::keep_alive_allowed() const {
  uint64_t cap = std::max<uint64_t>(1, ctx_.options.worker_connections);
  uint64_t max = ctx_.options.max_requests;
  // served_ + 1: the response being built is the (served_ + 1)-th.
  return !stop_ && ctx_.options.keepalive_s > 0 && conns_ < cap &&
         !(max > 0 && served_ + 1 >= max);
}

}  // namespace wpm

namespace wpm {
namespace {

// Free space asked of the parser per read: a request in hand costs its session this much
// (a parser buffer grows by doubling when a request needs more), so 10,000 concurrent small
// requests hold 40 MiB of buffers rather than 160.
constexpr size_t kReadChunk = 4096;

// A would-block or a hard error after a failed socket call.
IoStep failed_step(aio::FdWatch& watch, aio::Dir dir) {
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    watch.not_ready(dir);
    return IoStep::again;
  }
  return IoStep::closed;
}

}  // namespace

IoStep read_available(aio::FdWatch& watch, http::RequestParser& parser) {
  while (parser.status() == http::ParseStatus::incomplete) {
    if (!watch.is_ready(aio::Dir::read)) return IoStep::again;
    std::span<char> buf = parser.writable(kReadChunk);
    ssize_t n = recv(watch.fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      // A stream socket that returns less than asked for is empty now: the next bytes
      // bring a new edge, so skip the recv that would only say EAGAIN.
      if (static_cast<size_t>(n) < buf.size()) watch.not_ready(aio::Dir::read);
      parser.commit(static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return IoStep::closed;
    if (errno == EINTR) continue;
    return failed_step(watch, aio::Dir::read);
  }
  return IoStep::done;
}

IoStep write_available(aio::FdWatch& watch, Exchange& exchange) {
  while (!exchange.all_sent()) {
    if (!watch.is_ready(aio::Dir::write)) return IoStep::again;
    iovec iov[8];
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = exchange.next_iov(iov, 8);
    ssize_t n = sendmsg(watch.fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      exchange.sent(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    return failed_step(watch, aio::Dir::write);
  }
  return IoStep::done;
}

IoStep send_available(aio::FdWatch& watch, std::string_view& bytes) {
  while (!bytes.empty()) {
    if (!watch.is_ready(aio::Dir::write)) return IoStep::again;
    ssize_t n = send(watch.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    return failed_step(watch, aio::Dir::write);
  }
  return IoStep::done;
}

IoStep drain_available(aio::FdWatch& watch) {
  static char sink[4096];  // one thread per worker; the bytes are thrown away
  for (;;) {
    if (!watch.is_ready(aio::Dir::read)) return IoStep::again;
    ssize_t n = recv(watch.fd, sink, sizeof(sink), 0);
    if (n > 0) continue;
    if (n == 0) return IoStep::done;
    if (errno == EINTR) continue;
    return failed_step(watch, aio::Dir::read);
  }
}

}  // namespace wpm
