#include "workers/blocking_io.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "core/clock.h"
#include "workers/signals.h"

namespace wpm {
namespace {

constexpr uint64_t kHeartbeatSliceNs = 1'000'000'000;  // ≤ 1 s between heartbeats while waiting
constexpr size_t kReadChunk = 16384;

// Sends bytes that are not part of the measured response (100 Continue).
IoResult send_all(int fd, std::string_view bytes, uint64_t deadline_ns, PrometheusMixin& metrics) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (IoResult r = wait_fd(fd, POLLOUT, deadline_ns, metrics); r != IoResult::ok) return r;
    } else {
      return IoResult::error;
    }
  }
  return IoResult::ok;
}

}  // namespace

IoResult wait_fd(int fd, short events, uint64_t deadline_ns, PrometheusMixin& metrics) {
  uint64_t now = monotonic_ns();
  if (now >= deadline_ns) return IoResult::timeout;
  metrics.update_worker_metrics();
  uint64_t wait_ns = std::min(deadline_ns - now, kHeartbeatSliceNs);
  pollfd p{fd, events, 0};
  int n = poll(&p, 1, static_cast<int>((wait_ns + 999'999) / 1'000'000));
  // A signal or the end of a slice returns "ok" too: the caller retries its I/O, gets
  // EAGAIN and re-checks its own conditions (a stop request) before waiting again.
  if (n < 0) return errno == EINTR ? IoResult::ok : IoResult::error;
  if (n == 0) return monotonic_ns() >= deadline_ns ? IoResult::timeout : IoResult::ok;
  return (p.revents & (events | POLLHUP | POLLERR)) ? IoResult::ok : IoResult::error;
}

IoResult read_request(int fd, http::RequestParser& parser, uint64_t deadline_ns,
                      PrometheusMixin& metrics, bool abandon_idle_on_stop) {
  // A client whose connection was accepted just before a stop usually has its request on the
  // wire already: give it a short grace before letting the connection go unanswered.
  constexpr uint64_t kStopGraceNs = 200'000'000;
  uint64_t stop_grace_end = 0;
  for (;;) {
    std::span<char> buf = parser.writable(kReadChunk);
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      if (parser.commit(static_cast<size_t>(n)) != http::ParseStatus::incomplete)
        return IoResult::ok;
      if (parser.expects_continue()) {
        if (IoResult r = send_all(fd, http::kContinueResponse, deadline_ns, metrics);
            r != IoResult::ok)
          return r;
        parser.continue_sent();
      }
      continue;
    }
    if (n == 0) return IoResult::eof;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return IoResult::error;
    // Nothing of a request yet: not a request in hand, so a stopping worker lets it go once
    // the grace has passed.
    uint64_t wait_until = deadline_ns;
    if (abandon_idle_on_stop && !parser.started() && stop_requested()) {
      uint64_t now = monotonic_ns();
      if (stop_grace_end == 0) stop_grace_end = now + kStopGraceNs;
      if (now >= stop_grace_end) return IoResult::eof;
      wait_until = std::min(deadline_ns, stop_grace_end);
    }
    if (IoResult r = wait_fd(fd, POLLIN, wait_until, metrics); r != IoResult::ok) {
      if (r == IoResult::timeout && wait_until < deadline_ns) return IoResult::eof;
      return r;
    }
  }
}

IoResult write_response(int fd, Exchange& exchange, uint64_t deadline_ns,
                        PrometheusMixin& metrics) {
  while (!exchange.all_sent()) {
    iovec iov[8];
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = exchange.next_iov(iov, 8);
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      exchange.sent(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return IoResult::error;
    if (IoResult r = wait_fd(fd, POLLOUT, deadline_ns, metrics); r != IoResult::ok) return r;
  }
  return IoResult::ok;
}

void lingering_close(UniqueFd& fd, uint32_t max_wait_ms) {
  if (!fd.valid()) return;
  shutdown(fd.get(), SHUT_WR);
  uint64_t deadline = monotonic_ns() + uint64_t{max_wait_ms} * 1'000'000;
  char sink[4096];
  for (;;) {
    ssize_t n = recv(fd.get(), sink, sizeof(sink), 0);
    if (n > 0) continue;
    if (n == 0) break;  // the peer read our response and closed
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) break;
    uint64_t now = monotonic_ns();
    if (now >= deadline) break;
    pollfd p{fd.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>((deadline - now + 999'999) / 1'000'000)) < 0 &&
        errno != EINTR)
      break;  // a timeout falls through to the deadline check above
  }
  fd.reset();
}

void sleep_ms(uint32_t ms) { sleep_us(uint64_t{ms} * 1000); }

void sleep_us(uint64_t us) {
  if (us == 0) return;
  timespec until{};
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += static_cast<time_t>(us / 1'000'000);
  until.tv_nsec += static_cast<long>(us % 1'000'000) * 1000;
  if (until.tv_nsec >= 1'000'000'000) {
    until.tv_sec += 1;
    until.tv_nsec -= 1'000'000'000;
  }
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
}

}  // namespace wpm
