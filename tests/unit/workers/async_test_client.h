// Test helpers for the eventlet and gevent workers: a keep-alive HTTP/1.1 client that reads
// one response at a time (Content-Length framing, so pipelining works), on top of
// worker_harness.h. Own namespace: the thread worker's tests have helpers of the same names.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tests/unit/workers/worker_harness.h"

namespace wpm::test::aio {

struct Response {
  int status = -1;
  std::string head;
  std::string body;
  bool keep_alive = false;  // the server said "Connection: keep-alive"
  size_t wire_bytes = 0;
};

inline WorkerOptions async_options(WorkerClass worker_class) {
  WorkerOptions o;
  o.worker_class = worker_class;
  o.timeout_s = 4;  // heartbeat every second at most; peers get 4 s
  o.keepalive_s = 5;
  o.graceful_timeout_s = 5;
  o.log_level = getenv("WPM_TEST_DEBUG") ? LogLevel::debug : LogLevel::warning;
  return o;
}

inline std::string request(std::string_view target, bool close = false) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" +
         (close ? "Connection: close\r\n" : "") + "\r\n";
}

inline uint64_t ms_since(uint64_t start_ns) { return (monotonic_ns() - start_ns) / 1'000'000; }

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
    if (!send(request(target, close))) return std::nullopt;
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

// A client has a response before the worker records it (the count follows the write): wait
// until n requests are recorded and none is in flight, then return the snapshot.
inline WorkerSnapshot settled(const WorkerProcess& w, uint64_t n) {
  eventually([&] {
    WorkerSnapshot s = w.snapshot();
    return s.requests >= n && s.in_flight == 0;
  });
  return w.snapshot();
}

inline size_t open_fds(pid_t pid) {
  std::error_code ec;
  auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
  return ec ? 0 : static_cast<size_t>(std::distance(it, std::filesystem::directory_iterator()));
}

// A line of /proc/<pid>/status as a number ("Threads", "VmRSS" in kB); 0 if missing.
inline uint64_t proc_status_value(pid_t pid, std::string_view key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() &&
        line[key.size()] == ':')
      return std::stoull(line.substr(key.size() + 1));
  return 0;
}

}  // namespace wpm::test::aio

namespace wpm::test {

// The eventlet and gevent workers share one suite of behaviour tests (async_worker_*_test.cc);
// eventlet_worker_test.cc and gevent_worker_test.cc instantiate it for their class.
class AsyncWorker : public ::testing::TestWithParam<WorkerClass> {
 protected:
  WorkerOptions options() const { return aio::async_options(GetParam()); }
};

}  // namespace wpm::test
