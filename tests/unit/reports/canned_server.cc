#include "tests/unit/reports/canned_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <strings.h>

namespace wpm::test {
namespace {

// Content-Length of a request head, 0 when absent.
size_t content_length(const std::string& head) {
  size_t p = 0;
  while ((p = head.find("\r\n", p)) != std::string::npos) {
    p += 2;
    if (strncasecmp(head.c_str() + p, "content-length:", 15) == 0)
      return std::strtoul(head.c_str() + p + 15, nullptr, 10);
  }
  return 0;
}

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

CannedServer::CannedServer(std::vector<CannedResponse> responses) : responses_(std::move(responses)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("canned server: cannot listen on 127.0.0.1:0");
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

CannedServer::~CannedServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::vector<ReceivedRequest> CannedServer::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

void CannedServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;  // wakes up to notice stop_
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    answer(fd);
    ::close(fd);
  }
}

void CannedServer::answer(int fd) {
  std::string data;
  char buf[4096];
  size_t head_end = std::string::npos;
  while (head_end == std::string::npos ||
         data.size() < head_end + 4 + content_length(data.substr(0, head_end))) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return;  // a client that stalls gets no answer
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    data.append(buf, static_cast<size_t>(n));
    if (head_end == std::string::npos) head_end = data.find("\r\n\r\n");
  }
  CannedResponse r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    received_.push_back({data.substr(0, head_end), data.substr(head_end + 4)});
    r = responses_[std::min(received_.size(), responses_.size()) - 1];
  }
  write_all(fd, "HTTP/1.1 " + std::to_string(r.status) + " Canned\r\nContent-Type: text/plain\r\n" +
                    r.extra_headers + "Content-Length: " + std::to_string(r.body.size()) +
                    "\r\nConnection: close\r\n\r\n" + r.body);
}

}  // namespace wpm::test
