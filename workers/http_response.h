// Sans-IO HTTP/1.1 response serializer shared by every worker type.
//
// A response is a head (status line + headers, built into a fixed in-object buffer: no
// allocation) and a body that is either bytes the caller keeps alive (a static text, the
// request body for /echo) or N filler bytes (/bytes/<n>, served from one static block so a
// 64 MiB body costs no memory). The worker writes iov() with whatever I/O its model uses and
// reports progress with advance(); blocking and non-blocking writers share the same cursor.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wpm::http {

std::string_view reason_phrase(int status);

// Statuses that never carry a body (RFC 9110 §6.4.1).
constexpr bool status_has_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

// Sent once before reading the body of a request with "Expect: 100-continue".
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

struct Body {
  std::string_view bytes;  // used when filler == 0
  uint64_t filler = 0;     // > 0: that many filler bytes instead of `bytes`
  uint64_t size() const { return filler ? filler : bytes.size(); }
};

struct ResponseSpec {
  int status = 200;
  std::string_view content_type = "text/plain";
  Body body;
  bool keep_alive = false;  // "Connection: keep-alive" vs "Connection: close"
  bool head_only = false;   // HEAD: Content-Length of the body, but no body bytes
};

class OutgoingResponse {
 public:
  // Builds the head; the body's bytes must outlive the response.
  void start(const ResponseSpec& spec);
  // An error response of the worker's error path: text body, always "Connection: close".
  void start_error(int status, std::string_view message);

  // Up to `max` pieces still to send (head rest, body rest); returns how many were filled.
  size_t iov(iovec* out, size_t max) const;
  // The same, holding back everything past the next max_bytes bytes.
  size_t iov(iovec* out, size_t max, uint64_t max_bytes) const;
  // The socket accepted n more bytes.
  void advance(size_t n);
  bool done() const { return sent_ == total_; }
  uint64_t remaining() const { return total_ - sent_; }

  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  uint64_t total_bytes() const { return total_; }  // head + body as sent on the wire
  uint64_t sent_bytes() const { return sent_; }
  std::string_view head() const { return {head_, head_len_}; }

 private:
  void append(std::string_view s);
  void append_number(uint64_t n);

  char head_[384];
  size_t head_len_ = 0;
  Body body_;
  uint64_t body_len_ = 0;  // body bytes on the wire (0 for HEAD, 204, 304)
  uint64_t total_ = 0;
  uint64_t sent_ = 0;
  int status_ = 0;
  bool keep_alive_ = false;
};

}  // namespace wpm::http
