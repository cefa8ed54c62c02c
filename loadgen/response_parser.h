// Minimal, allocation-free HTTP/1.x response parser for the load generator's hot path.
//
// It understands exactly what a client needs to know where a response ends: the status line,
// Content-Length, Transfer-Encoding: chunked (with extensions and trailers), Connection
// (close / keep-alive, HTTP/1.0 defaults), bodiless responses (HEAD, 1xx, 204, 304) and bodies
// delimited by the peer closing. Interim 1xx responses are skipped. Bodies are counted, never
// copied; headers are copied only when they straddle two reads, into a buffer sized once.
// Anything else (bad status line, conflicting lengths, oversized headers, bad chunk syntax)
// is a parse error: the caller counts it and closes the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace wpm::loadgen {

class ResponseParser {
 public:
  enum class Status { more, done, error };

  explicit ResponseParser(size_t max_header_bytes = 16 * 1024);

  // Expect a new response; `head` = the request was HEAD (no body follows the headers).
  void start(bool head);
  // Consumes up to len bytes. `done`: one complete response ends at data + *consumed (bytes
  // after it are not part of it). `more`: all bytes consumed, response incomplete.
  Status feed(const char* data, size_t len, size_t* consumed);
  // The peer closed: completes a close-delimited body, anything else is an error.
  Status finish_at_eof();

  bool received_any() const { return received_ > 0; }  // a byte of this response arrived
  int status_code() const { return status_; }
  bool keep_alive() const { return keep_alive_; }  // false: the server will close
  uint64_t body_bytes() const { return body_bytes_; }
  const char* error() const { return error_; }  // static text, for tests and debugging

 private:
  enum class State { headers, fixed_body, until_close, chunk_size, chunk_ext, chunk_size_lf,
                     chunk_data, chunk_data_cr, chunk_data_lf, trailer_start, trailer_line,
                     trailer_lf, done, error };

  Status fail(const char* why);
  Status feed_headers(const char* data, size_t len, size_t* consumed);
  bool parse_head(const char* begin, const char* end);
  bool parse_status_line(const char* begin, const char* end);
  bool parse_header(const char* begin, const char* end);
  void choose_body();
  Status feed_body(const char* data, size_t len, size_t* consumed);
  Status feed_chunked(const char* data, size_t len, size_t* consumed);
  bool chunk_framing_byte(char c);
  bool trailer_byte(char c);

  size_t max_header_;
  std::unique_ptr<char[]> header_buf_;
  size_t header_len_ = 0;
  State state_ = State::headers;
  bool head_ = false;
  int status_ = 0;
  bool http10_ = false;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool has_length_ = false;
  bool saw_close_ = false, saw_keep_alive_ = false;
  uint64_t content_length_ = 0;
  uint64_t remaining_ = 0;
  uint64_t body_bytes_ = 0;
  uint64_t received_ = 0;
  int chunk_digits_ = 0;
  const char* error_ = "";
};

}  // namespace wpm::loadgen
