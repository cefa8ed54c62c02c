#include "workers/thread_listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/clock.h"
#include "core/log.h"
#include "workers/thread_handler.h"

namespace wpm::threaded {
namespace {

constexpr uint64_t kAcceptBackoffNs = 100'000'000;  // after EMFILE and friends
// Per wake-up. One: a sibling worker whose leader is idle takes the next connection.
constexpr int kAcceptBatch = 1;

}  // namespace

Listener::Listener(PoolShared& pool, int listen_fd)
    : pool_(pool), listen_fd_(listen_fd), balance_(pool.ctx.segment, pool.ctx.slot) {}

void Listener::publish_connections() {
  pool_.metrics.hot().connections.store(static_cast<int64_t>(pool_.conns.live()),
                                        std::memory_order_relaxed);
}

Status Listener::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = kListenKey;
  if (epoll_ctl(pool_.conn_epoll_fd, EPOLL_CTL_ADD, listen_fd_, &ev) != 0)
    return errno_error("epoll_ctl ADD of listen fd " + std::to_string(listen_fd_));
  registered_ = armed_ = true;
  return {};
}

void Listener::on_ready() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = false;  // one-shot: the event disarmed it
  if (stopped_) return;
  ConnTable& conns = pool_.conns;
  uint64_t now = monotonic_ns();
  bool hold = balance_.hold(static_cast<int64_t>(conns.live()), now);
  holding_.store(hold, std::memory_order_relaxed);
  for (int i = 0; i < kAcceptBatch && !hold && conns.live() < conns.capacity();) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;  // a sibling worker was faster
      // EMFILE and friends: leave the socket disarmed for a moment instead of spinning.
      log_error("accept on listen fd ", listen_fd_, ": ", std::strerror(errno));
      backoff_until_ns_ = now + kAcceptBackoffNs;
      break;
    }
    int one = 1;  // pipelined responses must not wait for the client's delayed ACK
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    conns.open(UniqueFd(fd), now, now + pool_.io_timeout_ns);
    publish_connections();
    ++i;
  }
  rearm_locked(now);
}

void Listener::on_closed() {
  publish_connections();
  if (!waiting_for_close_.load(std::memory_order_seq_cst) &&
      !holding_.load(std::memory_order_relaxed))
    return;
  std::lock_guard<std::mutex> lock(mutex_);
  rearm_locked(monotonic_ns());
}

void Listener::tick(uint64_t now_ns) {
  publish_connections();
  std::lock_guard<std::mutex> lock(mutex_);
  rearm_locked(now_ns);
}

void Listener::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  waiting_for_close_.store(false, std::memory_order_relaxed);
  if (!registered_) return;
  // An event already taken by a handler finds stopped_ and accepts nothing.
  if (epoll_ctl(pool_.conn_epoll_fd, EPOLL_CTL_DEL, listen_fd_, nullptr) != 0)
    log_error("epoll_ctl DEL of listen fd ", listen_fd_, ": ", std::strerror(errno));
  registered_ = armed_ = false;
}

void Listener::rearm_locked(uint64_t now_ns) {
  if (stopped_ || armed_ || now_ns < backoff_until_ns_) return;
  ConnTable& conns = pool_.conns;
  // The flag first, then the count: a connection closing meanwhile sees the flag.
  waiting_for_close_.store(true, std::memory_order_seq_cst);
  if (conns.live() >= conns.capacity()) return;  // at the cap: the next close re-arms
  waiting_for_close_.store(false, std::memory_order_relaxed);
  // Over the fair share: a sibling takes the next connection; the tick looks again.
  if (holding_.load(std::memory_order_relaxed))
    holding_.store(balance_.hold(static_cast<int64_t>(conns.live()), now_ns),
                   std::memory_order_relaxed);
  if (holding_.load(std::memory_order_relaxed)) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = kListenKey;
  if (epoll_ctl(pool_.conn_epoll_fd, EPOLL_CTL_MOD, listen_fd_, &ev) != 0) {
    log_error("epoll_ctl MOD of listen fd ", listen_fd_, ": ", std::strerror(errno));
    backoff_until_ns_ = now_ns + kAcceptBackoffNs;  // the tick tries again
    return;
  }
  armed_ = true;
}

}  // namespace wpm::threaded
