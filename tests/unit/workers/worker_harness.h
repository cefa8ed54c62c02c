// Test harness: a real worker process (fork + run_worker, no exec: the wpm binary belongs to
// cli/) on a loopback listen socket bound to port 0, with a metrics segment the test reads.
// Every child is killed and reaped by its guard, even when an assertion fails.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/segment.h"
#include "core/slot_ops.h"
#include "core/snapshot.h"
#include "core/unique_fd.h"
#include "workers/worker_main.h"

namespace wpm::test {

// Kills (SIGKILL) and reaps the child unless the test already reaped it.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  pid_t pid() const { return pid_; }
  // Waits up to timeout_ms for the exit; returns the wait status, or -1 on timeout.
  int wait_exit(int timeout_ms = 10000) {
    for (int waited = 0; waited <= timeout_ms; waited += 2) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return -1;
  }

 private:
  pid_t pid_;
};

// Polls a condition every millisecond up to timeout_ms (a readiness check, not a sleep).
inline bool eventually(const std::function<bool()>& condition, int timeout_ms = 5000) {
  for (int waited = 0; waited <= timeout_ms; ++waited) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return condition();
}

class WorkerProcess {
 public:
  // Binds 127.0.0.1:0, creates the segment, claims slot 0, forks the worker.
  explicit WorkerProcess(WorkerOptions options = {}) : segment_(make_segment()) {
    listen_.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_.get(), 64) != 0)
      std::abort();
    socklen_t len = sizeof(addr);
    getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    claim_slot(slot(), 0, 1, 0);
    options.listen_fd = listen_.get();
    options.segment_fd = segment_.fd();
    options.slot = 0;
    pid_t pid = fork();
    if (pid == 0) _exit(run_worker(options));
    guard_ = std::make_unique<ChildGuard>(pid);
    slot().life.pid.store(pid);
  }

  uint16_t port() const { return port_; }
  pid_t pid() const { return guard_->pid(); }
  ChildGuard& child() { return *guard_; }
  WorkerSlot& slot() const { return segment_.slot(0); }
  WorkerSnapshot snapshot() const { return snapshot_slot(slot(), monotonic_ns()); }
  WorkerState state() const { return static_cast<WorkerState>(slot().hot.state.load()); }
  bool wait_running() {
    return eventually([&] { return state() == WorkerState::running; });
  }
  uint64_t restarts(ExitReason r) const {
    return slot().hot.restarts[static_cast<size_t>(r)].load();
  }

 private:
  static Segment make_segment() {
    Result<Segment> s = Segment::create(2);
    if (!s) std::abort();
    return std::move(s).value();
  }

  Segment segment_;
  UniqueFd listen_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildGuard> guard_;
};

inline UniqueFd connect_to(uint16_t port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) fd.reset();
  timeval tv{10, 0};  // bounds every read of a test
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

inline bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads until the peer closes (the sync worker closes after every response) or 10 s pass.
inline std::string read_to_eof(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// One request on a fresh connection; the raw response.
inline std::string roundtrip(uint16_t port, std::string_view request) {
  UniqueFd fd = connect_to(port);
  if (!fd.valid() || !send_all(fd.get(), request)) return {};
  return read_to_eof(fd.get());
}

inline std::string get(uint16_t port, std::string_view target) {
  return roundtrip(port, "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n\r\n");
}

inline int status_of(const std::string& response) {
  if (response.size() < 12 || response.compare(0, 9, "HTTP/1.1 ") != 0) return -1;
  return std::stoi(response.substr(9, 3));
}

inline std::string body_of(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

// The exit code; -1 when still running after timeout_ms, 1000 + N when killed by signal N.
inline int exit_code_of(ChildGuard& child, int timeout_ms) {
  int status = child.wait_exit(timeout_ms);
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

// Index of the failure label set with this error_type in a snapshot; SIZE_MAX if none.
inline size_t label_index(const WorkerSnapshot& s, std::string_view error_type) {
  for (size_t i = 0; i < s.label_sets.size(); ++i)
    if (s.label_sets[i].error_type == error_type) return i;
  return SIZE_MAX;
}

}  // namespace wpm::test
