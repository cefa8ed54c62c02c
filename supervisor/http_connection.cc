// One connection's bytes: reading a request head, answering it in one sendmsg, flushing on
// EPOLLOUT, lingering after a closing response.
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <exception>

#include "core/log.h"
#include "supervisor/http_endpoint_loop.h"

namespace wpm::supervisor {
namespace {

constexpr int kRequestsPerTurn = 8;  // pipelined requests one connection may have served per turn
constexpr int kDrainReadsPerTurn = 16;  // 256 KiB

}  // namespace

namespace http_internal {

Reply error_reply(int status) {
  Reply r;
  r.status = status;
  r.body = std::string(reason_phrase(status)) + "\n";
  if (status == 503) r.extra_headers = "Retry-After: 1\r\n";
  return r;
}

std::string response_head(const Reply& r, size_t length, bool keep_alive, int minor) {
  std::string h;
  h.reserve(128 + r.content_type.size() + r.extra_headers.size());
  h.append("HTTP/1.1 ").append(std::to_string(r.status)).append(" ");
  h.append(reason_phrase(r.status)).append("\r\nContent-Type: ").append(r.content_type);
  h.append("\r\nContent-Length: ").append(std::to_string(length)).append("\r\n");
  h.append(r.extra_headers);
  if (!keep_alive) h.append("Connection: close\r\n");
  else if (minor == 0) h.append("Connection: keep-alive\r\n");
  return h.append("\r\n");
}

}  // namespace http_internal

using http_internal::error_reply;
using http_internal::response_head;

void HttpEndpoint::Loop::on_input(Conn& c) {
  for (int served = 0;;) {
    if (c.phase == Phase::lingering) return drain(c);
    if (c.phase != Phase::idle && c.phase != Phase::reading) return;  // writing resumes on flush
    size_t end = find_head_end(c.in, c.scanned);
    if (end != std::string::npos) {
      if (served++ == kRequestsPerTurn) {
        if (!std::exchange(c.queued, true)) queued_.push_back(&c);
        return;
      }
      serve(c, end);
    } else if (c.in.size() > limits_.head.head) {
      fail(c, oversized_head_status(c.in, limits_.head));
    } else if (!read_some(c)) {
      return;
    }
  }
}

// Reads what fits under the head limit; false when nothing more can be read now.
bool HttpEndpoint::Loop::read_some(Conn& c) {
  char buf[16 * 1024];
  size_t room = std::min(sizeof buf, limits_.head.head + 1 - c.in.size());
  for (;;) {
    ssize_t n = ::recv(c.fd.get(), buf, room, 0);
    if (n > 0) {
      if (c.phase == Phase::idle) move(c, Phase::reading);  // the request's deadline starts
      c.in.append(buf, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) close(c);  // EOF mid-request: gone
    return false;
  }
}

// After a closing response: read and drop what the client still sends until it closes, so
// the kernel does not answer that input with a reset that could destroy the response. A
// client that streams on regardless is not waiting for the response: it is closed.
void HttpEndpoint::Loop::drain(Conn& c) {
  char buf[16 * 1024];
  for (int reads = 0; reads < kDrainReadsPerTurn; ++reads) {
    ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    break;  // EOF or an error
  }
  close(c);
}

void HttpEndpoint::Loop::serve(Conn& c, size_t head_end) {
  ParsedHead parsed = parse_head(std::string_view(c.in).substr(0, head_end), limits_.head);
  c.in.erase(0, head_end);
  c.scanned = 0;
  if (parsed.error != 0) return fail(c, parsed.error);
  const RequestHead& head = parsed.head;
  // A body is never read, so the connection cannot be reused after it.
  bool keep_alive = head.keep_alive && !head.has_body;
  if (head.has_body) c.in.clear();
  respond(c, call_handler(head), head.method == "HEAD", keep_alive, head.minor);
}

Reply HttpEndpoint::Loop::call_handler(const RequestHead& head) {
  try {
    return handler_(head);
  } catch (const std::exception& e) {
    log_error("metrics endpoint: ", head.method, " ", head.path, ": ", e.what());
    return error_reply(500);
  }
}

void HttpEndpoint::Loop::respond(Conn& c, Reply reply, bool head_only, bool keep_alive, int minor) {
  size_t body = head_only ? 0 : reply.body.size();
  if (body > 0 && pending_output_ + body > limits_.max_pending_output) {
    reply = error_reply(503);  // clients that do not read hold enough already
    keep_alive = false;
  }
  c.out_head = response_head(reply, reply.body.size(), keep_alive, minor);
  c.out_body = head_only ? std::string() : std::move(reply.body);
  c.out_done = 0;
  c.close_after = !keep_alive;
  pending_output_ += c.out_head.size() + c.out_body.size();
  move(c, Phase::writing);
  flush(c);
}

// Head and body leave in one sendmsg (one segment when they fit), resumed on EPOLLOUT.
void HttpEndpoint::Loop::flush(Conn& c) {
  size_t total = c.out_head.size() + c.out_body.size();
  while (c.out_done < total) {
    size_t in_head = std::min(c.out_done, c.out_head.size());
    size_t in_body = c.out_done - in_head;
    iovec iov[2] = {{c.out_head.data() + in_head, c.out_head.size() - in_head},
                    {c.out_body.data() + in_body, c.out_body.size() - in_body}};
    msghdr msg{};
    msg.msg_iov = in_head < c.out_head.size() ? iov : iov + 1;
    msg.msg_iovlen = in_head < c.out_head.size() ? 2 : 1;
    ssize_t n = ::sendmsg(c.fd.get(), &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      c.out_done += static_cast<size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return;
    } else if (errno != EINTR) {
      return close(c);
    }
  }
  release_output(c);
  if (c.close_after) {
    ::shutdown(c.fd.get(), SHUT_WR);
    return move(c, Phase::lingering);
  }
  move(c, c.in.empty() ? Phase::idle : Phase::reading);
}

void HttpEndpoint::Loop::release_output(Conn& c) {
  pending_output_ -= c.out_head.size() + c.out_body.size();
  std::string().swap(c.out_body);  // a large page's memory goes back at once
  c.out_head.clear();
  c.out_done = 0;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace wpm::supervisor
