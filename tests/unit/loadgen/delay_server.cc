#include "tests/unit/loadgen/delay_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/clock.h"

namespace wpm::loadgen::testing {
namespace {

constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = UINT64_MAX;

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::abort();
}

uint16_t bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) die("getsockname");
  return ntohs(addr.sin_port);
}

int loopback_socket(int flags) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind 127.0.0.1:0");
  return fd;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

}  // namespace

struct DelayServer::Conn {
  UniqueFd fd;
  std::string in;
  uint64_t requests = 0;
};

struct DelayServer::Pending {
  uint64_t conn = 0;
  DelayAction action;
  bool close_after = false;
  bool idle_check = false;  // keep-alive timeout: close unless a request came since
  uint64_t requests_then = 0;
};

RefusingPort::RefusingPort() : fd(loopback_socket(0)), port(bound_port(fd.get())) {}

BlackholePort::BlackholePort() : fd(loopback_socket(0)), port(bound_port(fd.get())) {
  if (::listen(fd.get(), 0) != 0) die("listen");
}

DelayServer::DelayServer(DelayServerOptions options) : options_(std::move(options)) {
  listen_.reset(loopback_socket(SOCK_NONBLOCK));
  if (::listen(listen_.get(), 1024) != 0) die("listen");
  port_ = bound_port(listen_.get());
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  wake_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!epoll_.valid() || !wake_.valid()) die("epoll/eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenId;
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listen_.get(), &ev);
  ev.data.u64 = kWakeId;
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
  freeze_origin_.store(monotonic_ns());
  thread_ = std::thread([this] { loop(); });
}

DelayServer::~DelayServer() {
  stop_.store(true);
  uint64_t one = 1;
  if (::write(wake_.get(), &one, sizeof one) < 0) die("eventfd write");
  thread_.join();
}

ServerCounts DelayServer::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

void DelayServer::loop() {
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // delays to the microsecond, not +50 µs
  std::multimap<uint64_t, Pending> pending;  // by due time
  pending_ = &pending;
  epoll_event events[64];
  while (!stop_.load()) {
    uint64_t now = monotonic_ns();
    while (!pending.empty() && pending.begin()->first <= now) {
      Pending p = pending.begin()->second;
      pending.erase(pending.begin());
      act(p);
    }
    uint64_t wait = pending.empty() ? 100'000'000 : pending.begin()->first - now;
    timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    int n = epoll_pwait2(epoll_.get(), events, 64, &ts, nullptr);
    if (n < 0 && errno != EINTR) die("epoll_pwait2");
    for (int i = 0; i < n; ++i) {
      uint64_t id = events[i].data.u64;
      if (id == kListenId) accept_all();
      else if (id != kWakeId) on_readable(id);
    }
  }
  conns_.clear();
}

void DelayServer::accept_all() {
  for (;;) {
    int fd = accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    uint64_t id = next_id_++;
    auto conn = std::make_unique<Conn>();
    conn->fd.reset(fd);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = id;
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
    conns_[id] = std::move(conn);
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_.connections;
  }
}

void DelayServer::on_readable(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    return drop(id);  // EOF or error: the client went away (pending actions see it gone)
  }
  for (;;) {  // complete requests in the buffer (GET, or a body with Content-Length)
    size_t head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos) return;
    std::string head = lower(c.in.substr(0, head_end));
    size_t body = 0;
    if (size_t cl = head.find("content-length:"); cl != std::string::npos) body = std::stoul(head.substr(cl + 15));
    if (c.in.size() < head_end + 4 + body) return;
    std::string request_line = c.in.substr(0, c.in.find("\r\n"));
    c.in.erase(0, head_end + 4 + body);
    on_request(id, request_line, head.find("connection: close") != std::string::npos);
  }
}

void DelayServer::on_request(uint64_t id, const std::string& request_line, bool close_requested) {
  uint64_t n = arrivals_++;
  ++conns_[id]->requests;
  DelayAction action = options_.policy ? options_.policy(n) : DelayAction{};
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_.requests;
    size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    ++counts_.methods[request_line.substr(0, sp1)];
    ++counts_.paths[request_line.substr(sp1 + 1, sp2 - sp1 - 1)];
    if (action.kind == DelayAction::hang) ++counts_.hangs;
  }
  if (action.kind == DelayAction::hang) return;
  uint64_t due = due_after_freeze(monotonic_ns() + action.delay_ns);
  pending_->emplace(due, Pending{id, action, close_requested || action.close_after});
}

uint64_t DelayServer::due_after_freeze(uint64_t due) const {
  uint64_t origin = freeze_origin_.load();
  if (options_.freeze_period_ns == 0 || due < origin) return due;
  uint64_t into = (due - origin) % options_.freeze_period_ns;
  return into < options_.freeze_ns ? due - into + options_.freeze_ns : due;
}

void DelayServer::act(const Pending& p) {
  auto it = conns_.find(p.conn);
  if (it == conns_.end()) return;  // the client gave up (timeout) before the answer
  int fd = it->second->fd.get();
  std::lock_guard<std::mutex> lock(mu_);
  if (p.idle_check) {
    if (it->second->requests != p.requests_then) return;
    ++counts_.idle_closes;
    return drop(p.conn);
  }
  switch (p.action.kind) {
    case DelayAction::reset: {
      linger hard{1, 0};  // close with RST
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      ++counts_.resets;
      return drop(p.conn);
    }
    case DelayAction::close:
      ++counts_.closes;
      return drop(p.conn);
    case DelayAction::garbage: {
      static const char kJunk[] = "HTTX/1.1 200 OK\r\n\r\n";
      if (::send(fd, kJunk, sizeof kJunk - 1, MSG_NOSIGNAL) > 0) ++counts_.garbage;
      return;
    }
    default: break;
  }
  std::string response = "HTTP/1.1 " + std::to_string(p.action.status) + " X\r\nContent-Length: 2\r\n" +
                         (p.close_after ? "Connection: close\r\n" : "") + "\r\nok";
  if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(response.size())) {
    ++counts_.responded;
    ++counts_.status[p.action.status];
  }
  if (p.close_after) return drop(p.conn);
  if (options_.idle_close_ns > 0) {
    Pending check{p.conn, DelayAction{}, false, true, it->second->requests};
    pending_->emplace(monotonic_ns() + options_.idle_close_ns, check);
  }
}

void DelayServer::drop(uint64_t id) { conns_.erase(id); }

}  // namespace wpm::loadgen::testing
