// A delay-injecting HTTP/1.1 test server on 127.0.0.1:0 (one epoll thread, keep-alive), whose
// behaviour per request is decided by a policy over the request's arrival number: answer after
// a delay with a status, reset the connection, close it without answering, never answer, or
// answer garbage. A periodic global freeze holds every response due inside it until it ends,
// as a stop-the-world pause would. It counts what it did, so tests can compare exactly.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/unique_fd.h"

namespace wpm::loadgen::testing {

struct DelayAction {
  enum Kind { respond, reset, close, hang, garbage };
  Kind kind = respond;
  uint64_t delay_ns = 0;  // before the action happens
  int status = 200;
  bool close_after = false;  // respond: with `Connection: close`, then close
};

struct DelayServerOptions {
  std::function<DelayAction(uint64_t n)> policy;  // n: 0-based arrival number; empty = 200 now
  uint64_t freeze_period_ns = 0;  // 0 = no freeze
  uint64_t freeze_ns = 0;
  // Keep-alive timeout: close a connection this long after a response if no request followed.
  uint64_t idle_close_ns = 0;
};

struct ServerCounts {
  uint64_t requests = 0;   // complete requests read
  uint64_t responded = 0;  // responses written (any status): the server's "requests_total"
  uint64_t resets = 0, closes = 0, hangs = 0, garbage = 0;
  uint64_t idle_closes = 0;  // keep-alive timeouts that fired
  uint64_t connections = 0;  // accepted
  std::map<int, uint64_t> status;
  std::map<std::string, uint64_t> paths;  // request targets as received
  std::map<std::string, uint64_t> methods;
};

class DelayServer {
 public:
  explicit DelayServer(DelayServerOptions options);  // binds and starts; aborts on failure
  ~DelayServer();
  DelayServer(const DelayServer&) = delete;
  DelayServer& operator=(const DelayServer&) = delete;

  uint16_t port() const { return port_; }
  ServerCounts counts() const;
  // Freezes happen at [origin + k·period, origin + k·period + freeze) (monotonic ns).
  void set_freeze_origin(uint64_t origin_ns) { freeze_origin_.store(origin_ns); }

 private:
  struct Conn;
  struct Pending;
  void loop();
  void accept_all();
  void on_readable(uint64_t id);
  void on_request(uint64_t id, const std::string& request_line, bool close_requested);
  void act(const Pending& p);
  uint64_t due_after_freeze(uint64_t due) const;
  void drop(uint64_t id);

  DelayServerOptions options_;
  UniqueFd listen_, epoll_, wake_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> freeze_origin_{0};
  mutable std::mutex mu_;  // guards counts_ (read by the test thread)
  ServerCounts counts_;
  std::map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::multimap<uint64_t, Pending>* pending_ = nullptr;
  uint64_t next_id_ = 1;
  uint64_t arrivals_ = 0;
  std::thread thread_;
};

// A bound, never-listening TCP port on 127.0.0.1: connecting to it is refused. Held open so no
// one else can take the port during the test.
struct RefusingPort {
  RefusingPort();
  UniqueFd fd;
  uint16_t port = 0;
};

// A listening port that never accepts, with a backlog of 0: once its accept queue is full the
// kernel drops further SYNs, so connects hang until the client's connect timeout.
struct BlackholePort {
  BlackholePort();
  UniqueFd fd;
  uint16_t port = 0;
};

}  // namespace wpm::loadgen::testing
