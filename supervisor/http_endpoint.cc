// The endpoint's loop: accepting, the connection cap and shedding, the phases' time limits.
#include "supervisor/http_endpoint.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "core/clock.h"
#include "core/fd_limit.h"
#include "core/log.h"
#include "supervisor/http_endpoint_loop.h"
#include "supervisor/listen_socket.h"

namespace wpm::supervisor {
namespace {

constexpr int kBacklog = 1024;
constexpr int kAcceptsPerTurn = 256;  // then the other connections get their turn
constexpr uint64_t kShedWarningEveryNs = 60'000'000'000;

uint64_t ns(std::chrono::milliseconds ms) { return static_cast<uint64_t>(ms.count()) * 1'000'000; }

// At most half the descriptors the process may open: the master needs the rest for workers.
size_t connection_cap(size_t wanted) {
  Result<FdLimit> limit = fd_limit();
  if (!limit || limit->soft == RLIM_INFINITY) return wanted;
  return std::min<size_t>(wanted, std::max<size_t>(8, limit->soft / 2));
}

}  // namespace

using http_internal::error_reply;
using http_internal::kTimedPhases;
using http_internal::response_head;

HttpEndpoint::Loop::Loop(UniqueFd listen, RequestHandler handler, const EndpointLimits& limits)
    : listen_(std::move(listen)),
      handler_(std::move(handler)),
      limits_(limits),
      cap_(connection_cap(limits.max_connections)),
      limit_ns_{ns(limits.idle_timeout), ns(limits.request_deadline), ns(limits.write_deadline),
                ns(limits.linger)} {}

void HttpEndpoint::Loop::wake() {
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_.get(), &one, sizeof one);  // a full counter wakes it too
  (void)ignored;
}

Status HttpEndpoint::Loop::init() {
  if (::fcntl(listen_.get(), F_SETFL, O_NONBLOCK) != 0) return errno_error("metrics endpoint: fcntl");
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  // Held in reserve: when the process is out of descriptors, freeing it lets one pending
  // connection be accepted and closed instead of waking the loop forever.
  spare_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!epoll_.valid() || !wake_.valid()) return errno_error("metrics endpoint: epoll/eventfd");
  for (UniqueFd* fd : {&listen_, &wake_}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd->get(), &ev) != 0)
      return errno_error("metrics endpoint: epoll_ctl");
  }
  return {};
}

void HttpEndpoint::Loop::run() {
  std::array<epoll_event, 64> events;
  while (!stopping_) {
    int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), wait_ms());
    if (n < 0 && errno != EINTR) {
      log_error("metrics endpoint: epoll_wait: ", errno_error("", errno).message);
      return;
    }
    accept_ready_ = false;
    for (int i = 0; i < n; ++i) dispatch(events[static_cast<size_t>(i)]);
    // Admitting last lets the connections whose requests arrived in this batch be served
    // before any of them could be shed for a newcomer.
    if (accept_ready_) accept_some();
    run_queued();
    expire();
    lists_[static_cast<size_t>(Phase::closed)].clear();  // no event of this turn refers to them now
  }
  for (std::list<Conn>& list : lists_) list.clear();
  listen_.reset();
}

void HttpEndpoint::Loop::dispatch(const epoll_event& ev) {
  if (ev.data.ptr == &wake_) {
    stopping_ = true;
  } else if (ev.data.ptr == &listen_) {
    accept_ready_ = true;
  } else {
    Conn& c = *static_cast<Conn*>(ev.data.ptr);
    if (c.phase == Phase::closed) return;
    if (ev.events & EPOLLERR) return close(c);
    if ((ev.events & EPOLLOUT) && c.phase == Phase::writing) flush(c);
    on_input(c);  // edge-triggered: any wake-up may carry input
  }
}

void HttpEndpoint::Loop::accept_some() {
  for (int i = 0; i < kAcceptsPerTurn; ++i) {
    UniqueFd fd(::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd.valid()) {
      admit(std::move(fd));
    } else if (errno == EMFILE || errno == ENFILE) {
      if (!shed_one()) refuse_with_spare();
    } else if (errno != EINTR && errno != ECONNABORTED) {
      return;  // EAGAIN: the queue is empty
    }
  }
}

void HttpEndpoint::Loop::admit(UniqueFd fd) {
  if (live() >= cap_ && !shed_one()) {
    std::string busy = response_head(error_reply(503), 0, false, 1);
    ssize_t ignored = ::send(fd.get(), busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    return;
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::list<Conn>& idle = lists_[static_cast<size_t>(Phase::idle)];
  Conn& c = idle.emplace_back();
  c.self = std::prev(idle.end());
  c.fd = std::move(fd);
  c.since_ns = monotonic_ns();
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;  // registered once, for its whole life
  ev.data.ptr = &c;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd.get(), &ev) != 0) return close(c);
  on_input(c);  // clients write at once: their request is often here already
}

bool HttpEndpoint::Loop::shed_one() {
  for (Phase p : {Phase::lingering, Phase::idle, Phase::reading}) {
    std::list<Conn>& list = lists_[static_cast<size_t>(p)];
    if (list.empty()) continue;
    uint64_t now = monotonic_ns();
    if (now - last_shed_warning_ns_ >= kShedWarningEveryNs || last_shed_warning_ns_ == 0) {
      last_shed_warning_ns_ = now;
      log_warning("metrics endpoint: ", live(), " connections (cap ", cap_,
                  "): closing the oldest idle or unfinished ones to admit new ones");
    }
    close(list.front());
    return true;
  }
  return false;
}

void HttpEndpoint::Loop::refuse_with_spare() {
  spare_.reset();
  UniqueFd dropped(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  dropped.reset();
  spare_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

void HttpEndpoint::Loop::move(Conn& c, Phase to) {
  std::list<Conn>& target = lists_[static_cast<size_t>(to)];
  target.splice(target.end(), lists_[static_cast<size_t>(c.phase)], c.self);
  c.phase = to;
  c.since_ns = monotonic_ns();
}

void HttpEndpoint::Loop::close(Conn& c) {
  if (c.phase == Phase::writing) release_output(c);
  if (c.queued) std::erase(queued_, &c);
  // Closing the fd leaves the epoll set only if no other process holds it: a worker forked
  // while this connection was open keeps a copy, and its events would then name a freed Conn.
  if (c.fd.valid()) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
  c.fd.reset();
  c.in.clear();
  move(c, Phase::closed);
}

void HttpEndpoint::Loop::run_queued() {
  std::vector<Conn*> queued;
  queued.swap(queued_);
  for (Conn* c : queued) {
    c->queued = false;
    if (c->phase != Phase::closed) on_input(*c);
  }
}

void HttpEndpoint::Loop::expire() {
  uint64_t now = monotonic_ns();
  for (size_t p = 0; p < kTimedPhases; ++p) {
    std::list<Conn>& list = lists_[p];
    while (!list.empty() && list.front().since_ns + limit_ns_[p] <= now) {
      Conn& c = list.front();
      if (c.phase == Phase::reading) fail(c, 408);  // moves it to writing or beyond
      else close(c);
    }
  }
}

int HttpEndpoint::Loop::wait_ms() const {
  if (!queued_.empty()) return 0;
  uint64_t now = monotonic_ns();
  uint64_t wait = UINT64_MAX;
  for (size_t p = 0; p < kTimedPhases; ++p) {
    if (lists_[p].empty()) continue;
    uint64_t due = lists_[p].front().since_ns + limit_ns_[p];
    wait = std::min(wait, due > now ? due - now : 0);
  }
  if (wait == UINT64_MAX) return -1;
  return static_cast<int>(std::min<uint64_t>((wait + 999'999) / 1'000'000, INT_MAX));
}

size_t HttpEndpoint::Loop::live() const {
  size_t n = 0;
  for (size_t p = 0; p < kTimedPhases; ++p) n += lists_[p].size();
  return n;
}

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(const HostPort& where,
                                                          RequestHandler handler,
                                                          const EndpointLimits& limits) {
  Result<ListenSocket> sock = open_listen_socket(where, kBacklog, false);
  if (!sock) return sock.error();
  auto loop = std::make_unique<Loop>(std::move(sock->fd), std::move(handler), limits);
  if (Status ok = loop->init(); !ok) return ok.error();
  return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(std::move(loop), sock->address));
}

HttpEndpoint::HttpEndpoint(std::unique_ptr<Loop> loop, HostPort address)
    : loop_(std::move(loop)), address_(std::move(address)) {
  thread_ = std::thread([this] { loop_->run(); });
}

HttpEndpoint::~HttpEndpoint() { stop(); }

size_t HttpEndpoint::max_connections() const { return loop_->cap(); }

void HttpEndpoint::stop() {
  if (!thread_.joinable()) return;
  loop_->wake();
  thread_.join();
}

}  // namespace wpm::supervisor
