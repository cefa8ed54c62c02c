#include "workers/thread_handler.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "core/clock.h"
#include "core/log.h"
#include "workers/blocking_io.h"
#include "workers/signals.h"

namespace wpm::threaded {
namespace {

constexpr size_t kReadChunk = 16384;
constexpr uint32_t kLingerMs = 500;

}  // namespace

PoolShared::PoolShared(WorkerContext& context, int conn_epoll, int acceptor_wake)
    : ctx(context),
      metrics(context.slot, context.options.metrics, Writers::shared),
      body_budget(context.options.max_body_buffer),
      conns(std::max<uint32_t>(context.options.worker_connections, 1), conn_epoll, body_budget),
      listener(*this, context.listen_fd),
      busy(new BusyCell[std::max<uint32_t>(context.options.threads, 1)]),
      conn_epoll_fd(conn_epoll),
      acceptor_wake_fd(acceptor_wake),
      keepalive_ns(seconds_to_ns(context.options.keepalive_s)),
      io_timeout_ns(context.io_timeout_ns()),
      keepalive_on(context.options.keepalive_s > 0) {}

bool PoolShared::keep_alive_allowed() const {
  // Once any stop is under way (the poller may not have seen it yet), responses say
  // "Connection: close": TERM still serves what arrives on open connections, as every model
  // does, but tells each client to reconnect elsewhere.
  if (!keepalive_on || mode.load(std::memory_order_relaxed) != Mode::serving) return false;
  if (stop_requested()) return false;
  // At the cap, release connections so clients waiting in the backlog get a turn (gthread).
  return conns.live() < conns.capacity();
}

void PoolShared::close(Conn& c) {
  conns.release(c);
  listener.on_closed();
  if (wake_on_close.load(std::memory_order_seq_cst)) {
    uint64_t one = 1;
    ssize_t ignored = write(acceptor_wake_fd, &one, sizeof(one));
    (void)ignored;
  }
}

ParkResult PoolShared::park(Conn& c, uint64_t now_ns) {
  bool partial = c.parser.started();
  uint64_t deadline = partial ? c.first_byte_ns + io_timeout_ns
                              : now_ns + (keepalive_on ? keepalive_ns : io_timeout_ns);
  return conns.park(c, now_ns, deadline, partial, /*rearm=*/false);
}

void PoolShared::rearm(Conn& c, uint64_t now_ns, uint64_t deadline_ns) {
  bool partial = c.parser.started();
  ParkResult r = ParkResult::event;
  // Each round re-queues the readiness in epoll; an edge dropped meanwhile means another
  // round. It ends as soon as no handler grabs the edge between our MOD and our release.
  for (int tries = 0; tries < 1000 && r == ParkResult::event; ++tries)
    r = conns.park(c, now_ns, deadline_ns, partial, /*rearm=*/true);
  if (r != ParkResult::parked) close(c);
}

Handler::Handler(PoolShared& pool, uint32_t index)
    : pool_(pool),
      busy_(pool.busy[index]),
      exchange_(pool.ctx.app, pool.metrics),
      lead_(pool.leader, std::defer_lock) {}

void Handler::run() {
  for (;;) {
    lead_.lock();  // followers wait here, not in epoll_wait
    while (lead_.owns_lock()) {
      int n = epoll_wait(pool_.conn_epoll_fd, batch_, kBatch, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        log_error("epoll_wait on connection set ", pool_.conn_epoll_fd, ": ",
                  std::strerror(errno));
        std::abort();  // a bad epoll fd is a bug
      }
      batch_len_ = n;
      for (batch_next_ = 0; batch_next_ < batch_len_;) {
        uint64_t key = batch_[batch_next_++].data.u64;
        if (key == kStopKey) {  // only written once no connection is left
          if (lead_.owns_lock()) lead_.unlock();  // the next follower sees the key too
          return;
        }
        if (key == kListenKey) {
          pool_.listener.on_ready();
        } else if (Conn* c = pool_.conns.claim(key)) {
          serve(*c);
        }
      }
    }
  }
}

void Handler::step_down() {
  if (lead_.owns_lock()) lead_.unlock();
  uint64_t now = 0;
  while (batch_next_ < batch_len_) {
    uint64_t key = batch_[batch_next_++].data.u64;
    if (key == kStopKey) continue;  // level-triggered: the next leader sees it again
    if (key == kListenKey) {  // one-shot: accept now, or nobody would re-arm it
      pool_.listener.on_ready();
      continue;
    }
    Conn* c = pool_.conns.claim(key);
    if (c == nullptr) continue;
    if (now == 0) now = monotonic_ns();
    pool_.rearm(*c, now, c->deadline_ns.load(std::memory_order_relaxed));
  }
}

IoResult Handler::write(Conn& c) {
  // A first pass that never waits: a response that fits the socket buffer (nearly all of
  // them) goes out at once. Otherwise this thread may block on a slow reader: step down.
  IoResult r = write_response(c.fd.get(), exchange_, /*deadline_ns=*/0, pool_.metrics);
  if (r != IoResult::timeout) return r;
  step_down();
  return write_response(c.fd.get(), exchange_, monotonic_ns() + pool_.io_timeout_ns,
                        pool_.metrics);
}

void Handler::serve(Conn& c) {
  for (;;) {
    Fill fill_result = fill(c);
    if (fill_result == Fill::closed) return pool_.close(c);
    if (fill_result == Fill::ready) {
      while (c.parser.status() != http::ParseStatus::incomplete) {
        if (!respond_one(c)) return;
        c.parser.next();
      }
      // Part of a pipelined request may already be buffered: its clock starts now.
      c.first_byte_ns = c.parser.started() ? monotonic_ns() : 0;
      if (!c.drained) continue;  // edge-triggered: no new edge for bytes already waiting
    }
    switch (pool_.park(c, monotonic_ns())) {
      case ParkResult::parked:
        return;
      case ParkResult::failed:
        return pool_.close(c);
      case ParkResult::event:
        break;  // bytes arrived while parking: read them now
    }
  }
}

Handler::Fill Handler::fill(Conn& c) {
  http::RequestParser& parser = c.parser;
  for (;;) {
    std::span<char> buf = parser.writable(kReadChunk);
    ssize_t n = recv(c.fd.get(), buf.data(), buf.size(), 0);
    if (n > 0) {
      // A short read emptied the socket: the next bytes will fire a new edge.
      c.drained = static_cast<size_t>(n) < buf.size();
      if (parser.commit(static_cast<size_t>(n)) != http::ParseStatus::incomplete)
        return Fill::ready;
      if (c.first_byte_ns == 0) c.first_byte_ns = monotonic_ns();
      if (parser.expects_continue()) {
        if (!send_continue(c)) return Fill::closed;
        parser.continue_sent();
      }
      if (c.drained) return Fill::again;  // skip the recv that would say EAGAIN
      continue;
    }
    if (n == 0) return Fill::closed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      c.drained = true;
      return Fill::again;
    }
    return Fill::closed;  // reset by the peer: nothing to answer
  }
}

// "100 Continue" is 25 bytes into an empty send buffer: it all but never waits, but a
// client that does not read could make it, and then this thread steps down first.
bool Handler::send_continue(Conn& c) {
  std::string_view rest = http::kContinueResponse;
  uint64_t deadline = 0;
  while (!rest.empty()) {
    ssize_t n = send(c.fd.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n > 0) {
      rest.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (deadline == 0) {
        step_down();
        deadline = monotonic_ns() + pool_.io_timeout_ns;
      }
      if (wait_fd(c.fd.get(), POLLOUT, deadline, pool_.metrics) != IoResult::ok) return false;
    } else {
      return false;
    }
  }
  return true;
}

void Handler::count_request() {
  uint64_t max = pool_.ctx.options.max_requests;
  if (max == 0) return;
  // The request that reaches the limit stops the worker; it and the requests other threads
  // already hold are finished (as in Gunicorn, a few may pass the limit by threads - 1).
  uint64_t begun = pool_.requests_begun.fetch_add(1, std::memory_order_relaxed) + 1;
  pool_.ctx.successor.on_count(begun);
  if (begun == max) request_stop(ExitReason::max_requests);
}

bool Handler::respond_one(Conn& c) {
  http::RequestParser& parser = c.parser;
  busy_.since_ns.store(monotonic_ns(), std::memory_order_relaxed);
  count_request();
  bool parse_error = parser.status() == http::ParseStatus::error;
  if (parse_error) {
    exchange_.begin_error(parser);
  } else {
    const app::Plan& plan = exchange_.begin(parser.request());
    if (!exchange_.failed()) {
      bool blocks = plan.cpu_us > 0 || plan.io_us > 0 || plan.leak_kb > 0 ||
                    plan.action != app::Action::respond;
      if (blocks) step_down();  // nobody waits behind a slow request
      exchange_.run_cpu_part();
      sleep_us(plan.io_us);
    }
    exchange_.respond(parser.request(), pool_.keep_alive_allowed());
  }
  IoResult written = write(c);
  exchange_.finish();
  busy_.since_ns.store(0, std::memory_order_relaxed);
  if (written == IoResult::ok && exchange_.response().keep_alive()) return true;
  // Unread request bytes would turn a plain close into a RST that destroys the response.
  if (written == IoResult::ok && (parse_error || parser.pipelined() > 0)) {
    step_down();
    lingering_close(c.fd, kLingerMs);
  }
  pool_.close(c);
  return false;
}

}  // namespace wpm::threaded
