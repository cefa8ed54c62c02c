// Sans-IO incremental HTTP/1.1 request parser shared by every worker type.
//
// The caller owns the I/O: it reads bytes (any chunking, one byte at a time for a slowloris
// client, many requests at once for a pipelining one) into writable()+commit() or feed(),
// and the parser says incomplete / complete / error. Each byte is scanned once, so a slow
// client costs O(bytes), and every limit is checked while bytes arrive, before the line ends.
//
// Limits are Gunicorn's (limit_request_line 4094, limit_request_fields 100,
// limit_request_field_size 8190): request line > 4094 → 400, > 100 fields or a field line
// longer than 8190 bytes (CRLF included) → 431. Error statuses and error_type names follow
// Gunicorn's exception classes, so the error_handling labels read like the Python exporter's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "workers/body_budget.h"

namespace wpm::http {

struct ParserLimits {
  size_t request_line = 4094;        // bytes of the request line, CRLF excluded
  size_t header_fields = 100;        // number of header fields (trailers included)
  size_t field_size = 8190;          // bytes of one "Name: value" line, CRLF included
  uint64_t max_body = 64ull << 20;   // larger bodies → 413 (bodies are buffered whole)
  // The worker's budget for bodies buffered at once (max_body_buffer); null = none.
  BodyBudget* body_budget = nullptr;
  size_t max_leading_blank_lines = 8;  // RFC 9112 §2.2: ignore CRLFs before a request
};

struct Header {
  std::string_view name;  // as received (match case-insensitively)
  std::string_view value;  // leading/trailing whitespace removed
};

// A complete request. Every view points into the parser's buffer and stays valid until
// next(), reset() or the next writable() call.
struct Request {
  std::string_view method;
  std::string_view target;  // raw request-target
  std::string_view path;    // target before '?'
  std::string_view query;   // target after '?', without it
  int version_minor = 1;    // HTTP/1.<minor>
  bool keep_alive = true;   // what the client asked for (version default + Connection)
  bool chunked = false;     // body arrived chunked (already decoded into body)
  std::span<const Header> headers;
  std::string_view body;
  uint64_t wire_bytes = 0;  // request line + headers + body as received
};

struct ParseError {
  int status = 400;              // 400, 413, 431, 501 or 505
  std::string_view error_type;   // e.g. "InvalidRequestLine", "LimitRequestHeaders"
  std::string_view message;      // short, static, safe to send to the client
};

enum class ParseStatus { incomplete, complete, error };

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {});

  // Zero-copy input: read into writable(), then commit() what was read.
  std::span<char> writable(size_t at_least = 16384);
  ParseStatus commit(size_t n);
  // Copying input for callers that already hold the bytes.
  ParseStatus feed(std::string_view bytes);

  ParseStatus status() const { return status_; }
  const Request& request() const { return request_; }  // status() == complete
  const ParseError& error() const { return error_; }    // status() == error
  // Headers are in, the client sent "Expect: 100-continue" and the body is still missing:
  // the worker should send "HTTP/1.1 100 Continue" once, then call continue_sent().
  bool expects_continue() const;
  void continue_sent() { continue_sent_ = true; }
  // True once any byte of the current request has been received (false between requests),
  // so a worker can tell an idle keep-alive connection from a slow request.
  bool started() const { return len_ > start_; }
  // Bytes received for the current request so far (for the size of an error response's
  // request, and for accounting a request cut short).
  uint64_t received() const { return len_ - start_; }
  // The request line's method and target when they were parsed before an error, else empty.
  std::string_view partial_method() const;
  std::string_view partial_target() const;
  // Bytes buffered after the complete request (a pipelining client's next requests).
  size_t pipelined() const { return status_ == ParseStatus::complete ? len_ - pos_ : 0; }

  // Drops the completed request and parses the pipelined bytes that followed it.
  ParseStatus next();
  // Forgets everything (a new connection); keeps the buffer's capacity.
  void reset();

  // Counts bodies against a worker's budget from now on (call while no request is in hand).
  void use_budget(BodyBudget* budget) { limits_.body_budget = budget; }

  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;
  ~RequestParser() { release_body(); }

 private:
  enum class State { request_line, headers, body, chunk_size, chunk_data, chunk_crlf, trailers,
                     done, failed };
  struct HeaderSpan { size_t name, name_len, value, value_len; };

  ParseStatus run();
  ParseStatus fail(int status, std::string_view type, std::string_view message);
  // Finds the next line starting at pos_; returns false when more bytes are needed.
  bool next_line(size_t& begin, size_t& end);
  ParseStatus on_request_line(size_t begin, size_t end);
  ParseStatus on_header_line(size_t begin, size_t end);
  ParseStatus on_headers_done();
  ParseStatus on_header_semantics(std::string_view name, std::string_view value);
  ParseStatus on_content_length(std::string_view value);
  ParseStatus on_chunk_size(size_t begin, size_t end);
  ParseStatus step_chunk_data();
  ParseStatus finish();
  ParseStatus check_unterminated_line();
  // Body bytes against the worker's budget: taken as they become known, given back when
  // the request is done with (next, reset, destruction).
  bool hold_body(uint64_t n);
  void release_body();
  std::string_view view(size_t off, size_t n) const { return {buf_.data() + off, n}; }

  ParserLimits limits_;
  std::vector<char> buf_;
  size_t start_ = 0;  // first byte of the current request
  size_t len_ = 0;    // bytes held in buf_
  size_t pos_ = 0;    // next byte to scan
  State state_ = State::request_line;
  ParseStatus status_ = ParseStatus::incomplete;

  // Current request, as offsets (the buffer may move while the request arrives).
  size_t line_begin_ = 0;  // start of the line being scanned
  size_t method_ = 0, method_len_ = 0, target_ = 0, target_len_ = 0;
  size_t blank_lines_ = 0;
  int version_minor_ = 1;
  std::vector<HeaderSpan> header_spans_;
  size_t fields_ = 0;
  bool has_length_ = false, chunked_ = false, conn_close_ = false, conn_keep_alive_ = false;
  bool expect_continue_ = false, continue_sent_ = false;
  uint64_t content_length_ = 0;
  size_t body_begin_ = 0;
  size_t body_end_ = 0;        // decoded body end (chunked: write position)
  uint64_t chunk_left_ = 0;
  uint64_t body_held_ = 0;     // taken from limits_.body_budget

  Request request_;
  std::vector<Header> headers_;
  ParseError error_;
};

}  // namespace wpm::http
