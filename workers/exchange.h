// One request/response exchange: everything a worker does with a request that does not
// depend on its I/O model. Every model drives the same four steps:
//
//   parser says complete → begin(request)         (timer, in_flight, app → plan or 500)
//   parser says error    → begin_error(parser)    (timer, 400/413/431/501/505 response)
//   run_cpu_part()  then wait plan().io_us its own way (block, yield a coroutine or a fiber)
//   respond(request, keep_alive)                  (builds the response to write)
//   while (!all_sent()) write next_iov() with the model's I/O, then sent(n)
//   finish()                                      (ends the exchange)
//
// Count at commit: next_iov() records the request (count, duration so far, request and
// response bytes) before it offers the response's last byte to the kernel. A worker killed
// between that record and the client reading the response can only make the server count
// MORE than the client received, never fewer (bench's reconciliation bound rests on it).
// Each request is recorded exactly once; finish() records one whose write failed before the
// commit point (the peer left mid-way through a large response).
//
// Error responses (parse errors, handler failures) always close the connection.
#pragma once

#include <cstdint>

#include "workers/app.h"
#include "workers/http_response.h"
#include "workers/instrumentation.h"
#include "workers/request_parser.h"

namespace wpm {

class Exchange {
 public:
  Exchange(const app::SyntheticApp& app, PrometheusMixin& metrics)
      : app_(&app), metrics_(&metrics) {}

  // A request was parsed. Runs the handler; when it throws, the failure is counted
  // (failed_requests and error_handling, once each) and the plan becomes a bare 500.
  const app::Plan& begin(const http::Request& request);
  // The parser refused the request: counts the error, prepares its response.
  void begin_error(const http::RequestParser& parser);

  const app::Plan& plan() const { return plan_; }
  bool failed() const { return failed_; }
  // The CPU part of the plan, the same in every model: leak, spin, or crash the process.
  void run_cpu_part() const;
  // Builds the response of a plan (not needed after begin_error, which built its own).
  // keep_alive is what the worker allows; it is refused for failed requests and clients
  // that asked to close.
  http::OutgoingResponse& respond(const http::Request& request, bool keep_alive);
  http::OutgoingResponse& response() { return response_; }

  // Responses up to this size are recorded before their first write; larger ones are written
  // up to their last kCommitWindow bytes, recorded, then finished: one more write, and the
  // duration still covers nearly all of the transfer.
  static constexpr uint64_t kCommitWindow = 64 * 1024;
  // The next bytes to hand to the kernel (sendmsg/writev); records the request first when
  // they include the response's last byte. 0 pieces once everything was sent.
  size_t next_iov(iovec* out, size_t max);
  // The kernel accepted n of the bytes next_iov() offered.
  void sent(size_t n) { response_.advance(n); }
  bool all_sent() const { return response_.done(); }
  // Records the request now, if it is not recorded yet (next_iov() calls it).
  void commit();
  // The response was written, or the peer went away: the exchange is over. Records the
  // request only if it never reached its commit point.
  void finish();
  bool active() const { return active_; }

 private:
  const app::SyntheticApp* app_;
  PrometheusMixin* metrics_;
  app::Plan plan_;
  http::OutgoingResponse response_;
  uint64_t started_ns_ = 0;
  uint64_t request_bytes_ = 0;
  std::string_view method_;  // method_label() of the request: static storage
  bool failed_ = false;
  bool error_response_ = false;
  bool active_ = false;
};

}  // namespace wpm
