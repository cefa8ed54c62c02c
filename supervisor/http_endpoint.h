// A small HTTP/1.1 server on one epoll thread, for endpoints that must answer whatever else is
// connected (the master's /metrics and /healthz). Non-blocking sockets, keep-alive, HTTP/1.0
// and 1.1, HEAD; each response leaves in one sendmsg (head and body together) with TCP_NODELAY.
//
// Every connection is in one phase — idle (waiting for a request), reading (a request begun),
// writing (a response not yet taken by the kernel), lingering (closing after a response) — and
// each phase has one fixed time limit counted from entering it, so a phase's connections are
// kept in arrival order and the oldest is both the next to time out and the first to shed:
// - reading: a whole-request deadline from the first byte (a trickling client gets 408 and is
//   closed, however steadily it sends);
// - idle: closed after idle_timeout; writing: closed after write_deadline (a client that does
//   not read its page cannot hold memory for longer);
// - at the connection cap a new connection sheds the oldest lingering, then idle, then reading
//   connection (never one being answered); with none to shed it gets 503 and is closed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/options.h"
#include "core/result.h"
#include "supervisor/http_head.h"

namespace wpm::supervisor {

struct EndpointLimits {
  std::chrono::milliseconds request_deadline{5000};  // first byte of a request → its whole head
  std::chrono::milliseconds idle_timeout{60000};     // between requests, and before the first
  std::chrono::milliseconds write_deadline{30000};   // a response, from its first byte
  std::chrono::milliseconds linger{2000};            // reading what follows a closing response
  size_t max_connections = 1024;  // further capped at half the RLIMIT_NOFILE soft limit
  size_t max_pending_output = size_t{64} << 20;  // bytes of responses not yet sent, all connections
  HeadLimits head;
};

struct Reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string extra_headers;  // whole lines: "Name: value\r\n"
};

// Called on the endpoint's thread for every well-formed request (HEAD included: the endpoint
// sends the head of the reply without its body).
using RequestHandler = std::function<Reply(const RequestHead&)>;

class HttpEndpoint {
 public:
  // Binds `where` (port 0 → a free port) and starts the thread. Bind errors read
  // "cannot bind HOST:PORT: <strerror>".
  static Result<std::unique_ptr<HttpEndpoint>> start(const HostPort& where,
                                                     RequestHandler handler,
                                                     const EndpointLimits& limits);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  const HostPort& address() const { return address_; }
  size_t max_connections() const;  // the cap in force
  // Stops accepting, closes every connection and joins the thread. Idempotent.
  void stop();

  class Loop;

 private:
  HttpEndpoint(std::unique_ptr<Loop> loop, HostPort address);
  std::unique_ptr<Loop> loop_;
  HostPort address_;
  std::thread thread_;
};

// The reason phrase of a status this endpoint sends.
std::string_view reason_phrase(int status);

}  // namespace wpm::supervisor
