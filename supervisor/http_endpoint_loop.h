// Internals of HttpEndpoint shared by its two translation units: http_endpoint.cc (the loop:
// accepting, shedding, time limits) and http_connection.cc (one connection's bytes: reading a
// request, answering it, flushing, lingering).
#pragma once

#include <sys/epoll.h>

#include <array>
#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "core/unique_fd.h"
#include "supervisor/http_endpoint.h"

namespace wpm::supervisor {
namespace http_internal {

enum class Phase : uint8_t { idle, reading, writing, lingering, closed };
inline constexpr size_t kTimedPhases = 4;  // every phase but closed has a time limit

struct Conn {
  UniqueFd fd;
  Phase phase = Phase::idle;
  std::list<Conn>::iterator self;
  uint64_t since_ns = 0;  // when it entered its phase
  std::string in;         // bytes of the request being read, and of pipelined ones
  size_t scanned = 0;     // how far find_head_end has looked into `in`
  std::string out_head, out_body;
  size_t out_done = 0;
  bool close_after = false;
  bool queued = false;  // has buffered requests waiting for its next turn
};

Reply error_reply(int status);
std::string response_head(const Reply& r, size_t length, bool keep_alive, int minor);

}  // namespace http_internal

class HttpEndpoint::Loop {
 public:
  using Conn = http_internal::Conn;
  using Phase = http_internal::Phase;

  Loop(UniqueFd listen, RequestHandler handler, const EndpointLimits& limits);
  Status init();
  void run();
  void wake();
  size_t cap() const { return cap_; }

 private:
  void dispatch(const epoll_event& ev);
  void accept_some();
  void admit(UniqueFd fd);
  bool shed_one();
  void refuse_with_spare();
  void on_input(Conn& c);
  bool read_some(Conn& c);
  void drain(Conn& c);
  void serve(Conn& c, size_t head_end);
  Reply call_handler(const RequestHead& head);
  void respond(Conn& c, Reply reply, bool head_only, bool keep_alive, int minor);
  void fail(Conn& c, int status) { respond(c, http_internal::error_reply(status), false, false, 1); }
  void flush(Conn& c);
  void release_output(Conn& c);
  void move(Conn& c, Phase to);
  void close(Conn& c);
  void expire();
  void run_queued();
  int wait_ms() const;
  size_t live() const;

  UniqueFd listen_, epoll_, wake_, spare_;
  RequestHandler handler_;
  EndpointLimits limits_;
  size_t cap_;
  std::array<uint64_t, http_internal::kTimedPhases> limit_ns_;
  std::array<std::list<Conn>, http_internal::kTimedPhases + 1> lists_;  // by phase; closed ones freed per turn
  std::vector<Conn*> queued_;
  size_t pending_output_ = 0;
  uint64_t last_shed_warning_ns_ = 0;
  bool stopping_ = false;
  bool accept_ready_ = false;
};

}  // namespace wpm::supervisor
