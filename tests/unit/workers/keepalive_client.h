// A keep-alive HTTP/1.1 test client for the worker models that keep connections open
// (thread, eventlet, gevent): reads one response at a time with Content-Length framing, so
// pipelining works; on top of worker_harness.h.
#pragma once

#include <poll.h>

#include <filesystem>
#include <optional>
#include <string>

#include "tests/unit/workers/worker_harness.h"

namespace wpm::test {

struct Response {
  int status = -1;
  std::string head;
  std::string body;
  bool keep_alive = false;  // the server said "Connection: keep-alive"
  size_t wire_bytes = 0;
};

inline std::string get_request(std::string_view target, bool close = false) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" +
         (close ? "Connection: close\r\n" : "") + "\r\n";
}

class Client {
 public:
  explicit Client(uint16_t port) : fd_(connect_to(port)) {}
  bool valid() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }
  bool send(std::string_view bytes) { return fd_.valid() && send_all(fd_.get(), bytes); }

  // One response; nullopt when the connection ended (or 10 s passed) before a full one.
  std::optional<Response> read(bool head_request = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    Response r;
    r.head = buf_.substr(0, end + 4);
    r.status = status_of(r.head);
    r.keep_alive = r.head.find("Connection: keep-alive\r\n") != std::string::npos;
    size_t length = 0;
    if (size_t at = r.head.find("Content-Length: "); at != std::string::npos && !head_request)
      length = std::stoul(r.head.substr(at + 16));
    while (buf_.size() < end + 4 + length)
      if (!fill()) return std::nullopt;
    r.body = buf_.substr(end + 4, length);
    r.wire_bytes = end + 4 + length;
    buf_.erase(0, r.wire_bytes);
    return r;
  }

  std::optional<Response> get(std::string_view target, bool close = false) {
    if (!send(get_request(target, close))) return std::nullopt;
    return read();
  }

  // The server closed the connection (EOF or reset) within timeout_ms, sending nothing more.
  bool closed_by_peer(int timeout_ms) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) return false;
    char c;
    return recv(fd_.get(), &c, 1, 0) <= 0;
  }
  // Nothing at all arrives for timeout_ms (the server has not served us).
  bool silent_for(int timeout_ms) {
    pollfd p{fd_.get(), POLLIN, 0};
    return poll(&p, 1, timeout_ms) == 0;
  }

 private:
  bool fill() {
    char chunk[65536];
    ssize_t n = recv(fd_.get(), chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  UniqueFd fd_;
  std::string buf_;
};

inline size_t open_fd_count(pid_t pid) {
  std::error_code ec;
  auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
  return ec ? 0 : static_cast<size_t>(std::distance(it, std::filesystem::directory_iterator()));
}

// One request with "Connection: close" on a fresh connection (the harness's get() reads to
// EOF, which a keep-alive worker would only give after its keepalive timeout).
inline std::string get_close(uint16_t port, std::string_view target) {
  return roundtrip(port, get_request(target, /*close=*/true));
}

inline uint64_t ms_since(uint64_t start_ns) { return (monotonic_ns() - start_ns) / 1'000'000; }

}  // namespace wpm::test
