// ClientThread: one request's life on one connection — connect, write, read, parse, and the
// exact accounting of how it ended. Errors are counted here, never logged (hot path).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include "core/clock.h"
#include "loadgen/client_thread.h"

namespace wpm::loadgen {
namespace {

constexpr size_t kReadBuffer = 64 * 1024;

// Single-writer counter published for the progress line: a plain load+store is enough.
void bump(std::atomic<uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

bool is_reset(int err) { return err == ECONNRESET || err == EPIPE || err == ECONNABORTED; }

// The same recv()/send() contract over TCP or TLS (TlsConn keeps errno's meaning).
ssize_t send_some(int fd, TlsConn& tls, const char* data, size_t size) {
  return tls.active() ? tls.write(data, size) : ::send(fd, data, size, MSG_NOSIGNAL);
}

ssize_t read_some(int fd, TlsConn& tls, char* buf, size_t size) {
  return tls.active() ? tls.read(buf, size) : ::read(fd, buf, size);
}

}  // namespace

void ClientThread::push_idle(uint32_t id) {
  idle_[(idle_head_ + idle_size_) % idle_.size()] = id;
  ++idle_size_;
}

uint32_t ClientThread::pop_idle() {
  uint32_t id = idle_[idle_head_];
  idle_head_ = (idle_head_ + 1) % idle_.size();
  --idle_size_;
  return id;
}

void ClientThread::close_conn(Conn& c, TlsConn::End how) {
  c.tls.reset(how);
  c.fd.reset();  // close(2) also leaves the epoll set
}

void ClientThread::start_attempt(uint32_t id, uint64_t intended_ns, uint64_t now) {
  Conn& c = conns_[id];
  ++counts.attempts;
  ++in_flight_;
  publish_in_flight();
  c.intended_ns = intended_ns;
  c.start_ns = now;
  c.request = picker_.next();
  c.parser.start(run_.mix.head);
  if (c.fd.valid()) {
    begin_write(id, now);
  } else {
    open_connection(id, now);  // in close mode, or after the previous connection ended
  }
}

void ClientThread::open_connection(uint32_t id, uint64_t now) {
  Conn& c = conns_[id];
  c.fd.reset(::socket(run_.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!c.fd.valid()) return fail(id, Failure::connect, now);  // EMFILE & co: cannot connect
  int one = 1;
  setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Edge-triggered, registered once for the connection's life: no epoll_ctl per request.
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u32 = id;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd.get(), &ev) != 0) return fail(id, Failure::connect, now);
  int r = ::connect(c.fd.get(), reinterpret_cast<const sockaddr*>(&run_.address), run_.address_len);
  if (r == 0) return connected(id, now);
  if (errno == EINPROGRESS || errno == EINTR) {  // EINTR: the connect goes on asynchronously
    c.state = State::connecting;
    connect_deadlines_.arm(id, now + connect_timeout_ns_);
    return;
  }
  fail(id, Failure::connect, now);  // ECONNREFUSED, ENETUNREACH, EADDRNOTAVAIL …
}

void ClientThread::finish_connect(uint32_t id) {
  Conn& c = conns_[id];
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) {  // a wake-up with no error is not proof of a connection: ask the kernel
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    if (getpeername(c.fd.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      if (errno == ENOTCONN) return;  // still in progress: the connect deadline stays armed
      err = errno;
    }
  }
  connect_deadlines_.disarm(id);
  uint64_t now = monotonic_ns();
  if (err != 0) return fail(id, Failure::connect, now);
  connected(id, now);
}

void ClientThread::connected(uint32_t id, uint64_t now) {
  ++counts.connections_opened;
  if (!run_.tls) return begin_write(id, now);
  Conn& c = conns_[id];
  if (!c.tls.begin(*run_.tls, c.fd.get(), &c.session)) {
    ++counts.tls;
    return fail(id, Failure::connect, now);
  }
  c.state = State::handshaking;
  connect_deadlines_.arm(id, now + connect_timeout_ns_);  // the handshake gets a connect timeout too
  continue_handshake(id);
}

// A failed handshake (untrusted certificate, no common protocol, a plain-http server) is a
// connect error of kind `tls`; the probe before the run has already said why.
void ClientThread::continue_handshake(uint32_t id) {
  Conn& c = conns_[id];
  TlsConn::Step step = c.tls.handshake();
  if (step == TlsConn::Step::again) return;  // the connect deadline stays armed
  connect_deadlines_.disarm(id);
  uint64_t now = monotonic_ns();
  if (step == TlsConn::Step::failed) {
    ++counts.tls;
    return fail(id, Failure::connect, now);
  }
  ++counts.tls_handshakes;
  if (c.tls.resumed()) ++counts.tls_resumed;
  begin_write(id, now);
}

void ClientThread::begin_write(uint32_t id, uint64_t now) {
  Conn& c = conns_[id];
  c.state = State::writing;
  c.written = 0;
  request_deadlines_.arm(id, now + request_timeout_ns_);
  continue_write(id);
}

void ClientThread::continue_write(uint32_t id) {
  Conn& c = conns_[id];
  const std::string& request = run_.mix.requests[c.request];
  while (c.written < request.size()) {
    ssize_t n = send_some(c.fd.get(), c.tls, request.data() + c.written, request.size() - c.written);
    if (n > 0) {
      c.written += static_cast<size_t>(n);
      counts.bytes_written += static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // EPOLLOUT resumes
    return fail(id, n < 0 && is_reset(errno) ? Failure::reset : Failure::write, monotonic_ns());
  }
  ++counts.sent;
  bump(live_.sent);
  c.state = State::reading;
}

void ClientThread::do_read(uint32_t id) {
  Conn& c = conns_[id];
  for (;;) {
    ssize_t n = read_some(c.fd.get(), c.tls, read_buf_.get(), kReadBuffer);
    if (n > 0) {
      counts.bytes_read += static_cast<uint64_t>(n);
      size_t used = 0;
      ResponseParser::Status st = c.parser.feed(read_buf_.get(), static_cast<size_t>(n), &used);
      if (st == ResponseParser::Status::error) return fail(id, Failure::parse, monotonic_ns());
      // Bytes beyond the response were never asked for: keep the response, drop the connection.
      if (st == ResponseParser::Status::done) {
        bool unasked = used < static_cast<size_t>(n) || (c.tls.active() && c.tls.has_buffered());
        return complete(id, monotonic_ns(), unasked);
      }
      continue;
    }
    if (n == 0) {  // peer closed: ends a close-delimited body, otherwise the response is lost
      if (c.parser.finish_at_eof() == ResponseParser::Status::done) return complete(id, monotonic_ns(), true);
      return fail(id, Failure::reset, monotonic_ns());
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    return fail(id, is_reset(errno) ? Failure::reset : Failure::read, monotonic_ns());
  }
}

void ClientThread::check_idle(uint32_t id) {
  // Readable while idle: the server closed the keep-alive connection (its keepalive timeout)
  // or sent something unasked. Either way the connection is unusable; not a request error.
  // Over TLS the bytes may be a session ticket or a key update, which OpenSSL consumes: only
  // application data, close_notify or an error make the connection unusable.
  Conn& c = conns_[id];
  char byte;
  ssize_t n = c.tls.active() ? c.tls.read(read_buf_.get(), kReadBuffer) : ::recv(c.fd.get(), &byte, 1, MSG_PEEK);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  ++counts.idle_closed;
  close_conn(c, n == 0 ? TlsConn::End::clean : TlsConn::End::abort);
}

void ClientThread::complete(uint32_t id, uint64_t now, bool close_after) {
  Conn& c = conns_[id];
  request_deadlines_.disarm(id);
  --in_flight_;
  publish_in_flight();
  int code = c.parser.status_code();
  ++counts.responses;
  if (issuing_) ++counts.responses_in_window;
  ++counts.status[static_cast<size_t>(code)];
  bump(live_.completed);
  bool bad_status = code < 200 || code >= 400;
  if (bad_status) bump(live_.errors);
  record(c, now);
  if (measuring_) {
    SecondSlot& slot = slot_at(now);
    ++slot.completed;
    if (bad_status) ++slot.errors;
  }
  c.state = State::idle;
  if (close_after || !c.parser.keep_alive() || !run_.spec.keepalive) close_conn(c, TlsConn::End::clean);
  // Closed loop: the next request leaves at once. Cannot recurse: a response needs an event.
  if (issuing_ && !open_loop_ && quota_left()) return start_attempt(id, now, now);
  push_idle(id);
}

void ClientThread::fail(uint32_t id, Failure kind, uint64_t now) {
  Conn& c = conns_[id];
  connect_deadlines_.disarm(id);
  request_deadlines_.disarm(id);
  --in_flight_;
  publish_in_flight();
  switch (kind) {
    case Failure::connect: ++counts.connect; break;
    case Failure::write: ++counts.write; break;
    case Failure::read: ++counts.read; break;
    case Failure::reset: ++counts.reset; break;
    case Failure::timeout: ++counts.timeout; break;
    case Failure::parse: ++counts.parse; break;
  }
  // A timed-out request stays in the latency tail (≥ the timeout), never silently dropped.
  if (kind == Failure::timeout) record(c, now);
  if (measuring_) ++slot_at(now).errors;
  bump(live_.errors);
  close_conn(c);
  c.state = State::idle;
  push_idle(id);  // never restarted from here: a refused connect would recurse
}

SecondSlot& ClientThread::slot_at(uint64_t now) {
  return seconds_[std::min<size_t>((now - measure_start_ns_) / interval_ns_, seconds_.size() - 1)];
}

// Latency, service and queue time of a response or a timeout (measured phase only).
void ClientThread::record(const Conn& c, uint64_t now) {
  if (!measuring_) return;
  uint64_t total = now - c.intended_ns;
  latency.record(total);
  service.record(now - c.start_ns);
  queue.record(c.start_ns - c.intended_ns);
  slot_at(now).latency.record(total);
  path_latency[c.request].record(total);
}

}  // namespace wpm::loadgen
