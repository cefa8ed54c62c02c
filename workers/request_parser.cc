#include "workers/request_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/text.h"

namespace wpm::http {
namespace {

// RFC 9110 tchar: the bytes allowed in a method and a header name.
constexpr std::array<bool, 256> make_tchar() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kTchar = make_tchar();

bool is_tchar(char c) { return kTchar[static_cast<unsigned char>(c)]; }
// Field values and targets: visible ASCII, obs-text (>= 0x80); never CR, LF, NUL or DEL.
bool is_value_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}
bool is_target_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7f;
}
// Optional whitespace (RFC 9110 OWS) is spaces and tabs.
constexpr std::string_view trim_ows(std::string_view v) { return trim_blanks(v); }

// Calls fn(token) for every comma-separated, trimmed, non-empty element of a list header.
template <class Fn>
void for_each_token(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trim_ows(list.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// origin-form "/p?q", absolute-form "http://h/p?q", asterisk "*", authority "h:443".
void split_target(std::string_view target, std::string_view& path, std::string_view& query) {
  std::string_view rest = target;
  size_t scheme = rest.find("://");
  if (!rest.empty() && rest.front() != '/' && scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
    size_t slash = rest.find_first_of("/?");
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  size_t q = rest.find('?');
  path = rest.substr(0, q);
  query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
  if (path.empty()) path = "/";
}

}  // namespace

// The header vectors grow with the first requests and keep their capacity (clear(), never
// shrink_to_fit): no reserve for limits_.header_fields up front, which for the table of a
// thread worker's connections would be hundreds of kilobytes that every fresh worker faults
// in (a cost max_requests recycling pays every few milliseconds).
RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {}

std::span<char> RequestParser::writable(size_t at_least) {
  if (len_ + at_least > buf_.size()) {
    size_t want = std::max(len_ + at_least, buf_.size() * 2);
    // A body of known length: exactly its end, not the next power of two (64 MiB, not 128).
    if (state_ == State::body) want = std::max<size_t>(len_ + at_least, body_begin_ + content_length_);
    buf_.resize(want);
  }
  return {buf_.data() + len_, buf_.size() - len_};
}

ParseStatus RequestParser::commit(size_t n) {
  len_ += n;
  if (status_ != ParseStatus::incomplete) return status_;  // held for after next()
  return run();
}

ParseStatus RequestParser::feed(std::string_view bytes) {
  std::span<char> out = writable(bytes.size());
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return commit(bytes.size());
}

bool RequestParser::expects_continue() const {
  bool waiting_body = (state_ == State::body && len_ - body_begin_ < content_length_) ||
                      state_ == State::chunk_size || state_ == State::chunk_data;
  return expect_continue_ && !continue_sent_ && version_minor_ >= 1 && waiting_body &&
         status_ == ParseStatus::incomplete;
}

std::string_view RequestParser::partial_method() const {
  return method_len_ ? view(method_, method_len_) : std::string_view();
}
std::string_view RequestParser::partial_target() const {
  return target_len_ ? view(target_, target_len_) : std::string_view();
}

ParseStatus RequestParser::fail(int status, std::string_view type, std::string_view message) {
  error_ = ParseError{status, type, message};
  release_body();  // the body will not be read
  state_ = State::failed;
  status_ = ParseStatus::error;
  return status_;
}

bool RequestParser::next_line(size_t& begin, size_t& end) {
  const void* lf = pos_ < len_ ? std::memchr(buf_.data() + pos_, '\n', len_ - pos_) : nullptr;
  if (lf == nullptr) {
    pos_ = len_;
    return false;
  }
  begin = line_begin_;
  end = static_cast<size_t>(static_cast<const char*>(lf) - buf_.data());
  pos_ = end + 1;
  line_begin_ = pos_;
  if (end > begin && buf_[end - 1] == '\r') --end;  // CRLF, or a bare LF (RFC 9112 §2.2)
  return true;
}

// Limits are enforced on a line still arriving, so a client cannot make us buffer more than
// one line's limit before it is refused.
ParseStatus RequestParser::check_unterminated_line() {
  size_t partial = len_ - line_begin_;  // may end with the CR of a CRLF
  switch (state_) {
    case State::request_line:
      if (partial > limits_.request_line + 1)
        return fail(400, "LimitRequestLine", "Request Line is too large");
      break;
    case State::headers:
    case State::trailers:
      if (partial >= limits_.field_size)
        return fail(431, "LimitRequestHeaders", "Request header field is too large");
      break;
    case State::chunk_size:
      if (partial > 1024) return fail(400, "InvalidChunkSize", "Chunk size line is too long");
      break;
    case State::chunk_crlf:
      if (partial > 1) return fail(400, "ChunkMissingTerminator", "Chunk data not terminated");
      break;
    default:
      break;
  }
  return ParseStatus::incomplete;
}

ParseStatus RequestParser::run() {
  for (;;) {
    ParseStatus s = ParseStatus::incomplete;
    size_t b = 0, e = 0;
    switch (state_) {
      case State::request_line:
      case State::headers:
      case State::trailers:
      case State::chunk_size:
      case State::chunk_crlf:
        if (!next_line(b, e)) return check_unterminated_line();
        if (state_ == State::request_line) s = on_request_line(b, e);
        else if (state_ == State::chunk_size) s = on_chunk_size(b, e);
        else if (state_ == State::chunk_crlf)
          s = b == e ? (state_ = State::chunk_size, ParseStatus::incomplete)
                     : fail(400, "ChunkMissingTerminator", "Chunk data not terminated");
        else s = on_header_line(b, e);
        break;
      case State::body:
        if (len_ - body_begin_ < content_length_) return ParseStatus::incomplete;
        body_end_ = body_begin_ + content_length_;
        pos_ = body_end_;
        s = finish();
        break;
      case State::chunk_data:
        if (pos_ == len_) return ParseStatus::incomplete;
        s = step_chunk_data();
        break;
      case State::done:
        return ParseStatus::complete;
      case State::failed:
        return ParseStatus::error;
    }
    if (s != ParseStatus::incomplete) return s;
  }
}

ParseStatus RequestParser::on_request_line(size_t begin, size_t end) {
  std::string_view line = view(begin, end - begin);
  if (line.size() > limits_.request_line)
    return fail(400, "LimitRequestLine", "Request Line is too large");
  if (line.empty()) {
    if (++blank_lines_ > limits_.max_leading_blank_lines)
      return fail(400, "InvalidRequestLine", "Invalid request line");
    return ParseStatus::incomplete;
  }
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0)
    return fail(400, "InvalidRequestLine", "Invalid request line");
  std::string_view method = line.substr(0, sp1);
  if (method.size() < 3 || method.size() > 20) return fail(400, "InvalidRequestMethod", "Invalid method");
  for (char c : method)
    if (!is_tchar(c) || (c >= 'a' && c <= 'z'))
      return fail(400, "InvalidRequestMethod", "Invalid method");
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1)
    return fail(400, "InvalidRequestLine", "Invalid request line");
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  for (char c : target)
    if (!is_target_byte(c)) return fail(400, "InvalidRequestLine", "Invalid request target");
  std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(400, "InvalidHTTPVersion", "Invalid HTTP version");
  if (version[5] != '1') return fail(505, "InvalidHTTPVersion", "HTTP version not supported");
  version_minor_ = version[7] - '0';
  method_ = begin;
  method_len_ = method.size();
  target_ = begin + sp1 + 1;
  target_len_ = target.size();
  state_ = State::headers;
  return ParseStatus::incomplete;
}

ParseStatus RequestParser::on_header_line(size_t begin, size_t end) {
  if (begin == end) return state_ == State::headers ? on_headers_done() : finish();
  std::string_view line = view(begin, end - begin);
  if (++fields_ > limits_.header_fields)
    return fail(431, "LimitRequestHeaders", "Too many request header fields");
  if (line.size() + 2 > limits_.field_size)
    return fail(431, "LimitRequestHeaders", "Request header field is too large");
  if (line.front() == ' ' || line.front() == '\t')
    return fail(400, "InvalidHeader", "Obsolete header line folding");
  size_t colon = 0;
  while (colon < line.size() && is_tchar(line[colon])) ++colon;
  if (colon == line.size()) return fail(400, "InvalidHeader", "Invalid header line");
  if (colon == 0 || line[colon] != ':') return fail(400, "InvalidHeaderName", "Invalid header name");
  std::string_view value = trim_ows(line.substr(colon + 1));
  for (char c : value)
    if (!is_value_byte(c)) return fail(400, "InvalidHeader", "Invalid header value");
  if (state_ == State::trailers) return ParseStatus::incomplete;  // counted, not kept
  header_spans_.push_back({begin, colon, static_cast<size_t>(value.data() - buf_.data()),
                           value.size()});
  return on_header_semantics(line.substr(0, colon), value);
}

ParseStatus RequestParser::on_header_semantics(std::string_view name, std::string_view value) {
  switch (name.size()) {
    case 14:
      if (iequals(name, "content-length")) return on_content_length(value);
      break;
    case 17:
      if (!iequals(name, "transfer-encoding")) break;
      {
        bool bad = value.empty();
        for_each_token(value, [&](std::string_view t) {
          if (!iequals(t, "chunked") || chunked_) bad = true;
          chunked_ = true;
        });
        if (bad) return fail(501, "UnsupportedTransferCoding", "Unsupported transfer coding");
      }
      break;
    case 10:
      if (!iequals(name, "connection")) break;
      for_each_token(value, [&](std::string_view t) {
        if (iequals(t, "close")) conn_close_ = true;
        if (iequals(t, "keep-alive")) conn_keep_alive_ = true;
      });
      break;
    case 6:
      if (iequals(name, "expect") && iequals(value, "100-continue")) expect_continue_ = true;
      break;
    default:
      break;
  }
  return ParseStatus::incomplete;
}

// 1*DIGIT only (no sign, no list): "5, 5" and "+5" are refused like any other oddity, and
// duplicates must agree, so two parsers can never frame the same bytes differently.
ParseStatus RequestParser::on_content_length(std::string_view value) {
  if (value.empty() || value.size() > 18) return fail(400, "InvalidHeader", "Invalid Content-Length");
  uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return fail(400, "InvalidHeader", "Invalid Content-Length");
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (has_length_ && n != content_length_)
    return fail(400, "InvalidHeader", "Conflicting Content-Length");
  has_length_ = true;
  content_length_ = n;
  return ParseStatus::incomplete;
}

ParseStatus RequestParser::on_headers_done() {
  // Both framings at once is the classic request-smuggling vector: refuse it.
  if (chunked_ && has_length_)
    return fail(400, "InvalidHeader", "Content-Length with Transfer-Encoding");
  if (chunked_ && version_minor_ == 0)
    return fail(400, "InvalidHeader", "Transfer-Encoding in HTTP/1.0");
  body_begin_ = body_end_ = pos_;
  if (chunked_) {
    state_ = State::chunk_size;
    return ParseStatus::incomplete;
  }
  if (content_length_ > limits_.max_body)
    return fail(413, "LimitRequestBody", "Request body is too large");
  if (!hold_body(content_length_))
    return fail(413, "LimitRequestBodyBuffer", "Request bodies in progress exceed the buffer");
  state_ = State::body;
  return ParseStatus::incomplete;
}

ParseStatus RequestParser::on_chunk_size(size_t begin, size_t end) {
  std::string_view line = view(begin, end - begin);
  uint64_t size = 0;
  size_t i = 0;
  for (; i < line.size(); ++i) {
    char c = ascii_lower(line[i]);
    int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (digit < 0) break;
    if (i >= 15) return fail(400, "InvalidChunkSize", "Chunk size is too large");
    size = size * 16 + static_cast<uint64_t>(digit);
  }
  std::string_view rest = trim_ows(line.substr(i));
  if (i == 0 || (!rest.empty() && rest.front() != ';'))
    return fail(400, "InvalidChunkSize", "Invalid chunk size");
  if (size == 0) {
    state_ = State::trailers;
    return ParseStatus::incomplete;
  }
  if (body_end_ - body_begin_ + size > limits_.max_body)
    return fail(413, "LimitRequestBody", "Request body is too large");
  if (!hold_body(size))
    return fail(413, "LimitRequestBodyBuffer", "Request bodies in progress exceed the buffer");
  chunk_left_ = size;
  state_ = State::chunk_data;
  return ParseStatus::incomplete;
}

// Decodes in place: chunk data moves down over the chunk-size lines already consumed, so the
// body ends up contiguous without a second buffer.
ParseStatus RequestParser::step_chunk_data() {
  size_t n = static_cast<size_t>(std::min<uint64_t>(len_ - pos_, chunk_left_));
  if (body_end_ != pos_) std::memmove(buf_.data() + body_end_, buf_.data() + pos_, n);
  body_end_ += n;
  pos_ += n;
  line_begin_ = pos_;
  chunk_left_ -= n;
  if (chunk_left_ == 0) state_ = State::chunk_crlf;
  return ParseStatus::incomplete;
}

ParseStatus RequestParser::finish() {
  Request& r = request_;
  r.method = view(method_, method_len_);
  r.target = view(target_, target_len_);
  split_target(r.target, r.path, r.query);
  r.version_minor = version_minor_;
  r.keep_alive = version_minor_ >= 1 ? !conn_close_ : (conn_keep_alive_ && !conn_close_);
  r.chunked = chunked_;
  headers_.clear();
  for (const HeaderSpan& h : header_spans_)
    headers_.push_back({view(h.name, h.name_len), view(h.value, h.value_len)});
  r.headers = headers_;
  r.body = view(body_begin_, body_end_ - body_begin_);
  r.wire_bytes = pos_ - start_;
  state_ = State::done;
  status_ = ParseStatus::complete;
  return status_;
}

bool RequestParser::hold_body(uint64_t n) {
  if (limits_.body_budget == nullptr || n == 0) return true;
  if (!limits_.body_budget->take(n)) return false;
  body_held_ += n;
  return true;
}

void RequestParser::release_body() {
  if (body_held_ == 0) return;
  limits_.body_budget->give(body_held_);
  body_held_ = 0;
}

ParseStatus RequestParser::next() {
  if (status_ != ParseStatus::complete) return status_;
  release_body();
  size_t remaining = len_ - pos_;
  if (remaining == 0) {
    len_ = pos_ = 0;
    // A large body's buffer goes back now, not when the connection ends.
    if (buf_.size() > (1u << 20)) std::vector<char>().swap(buf_);
  } else if (pos_ >= buf_.size() / 2) {
    // Compact rarely, so deep pipelines do not memmove their tail once per request.
    std::memmove(buf_.data(), buf_.data() + pos_, remaining);
    len_ = remaining;
    pos_ = 0;
  }
  start_ = line_begin_ = pos_;
  method_len_ = target_len_ = 0;
  blank_lines_ = fields_ = 0;
  version_minor_ = 1;
  header_spans_.clear();
  has_length_ = chunked_ = conn_close_ = conn_keep_alive_ = false;
  expect_continue_ = continue_sent_ = false;
  content_length_ = chunk_left_ = 0;
  body_begin_ = body_end_ = pos_;
  request_ = Request{};
  state_ = State::request_line;
  status_ = ParseStatus::incomplete;
  return run();
}

void RequestParser::reset() {
  release_body();
  len_ = pos_ = 0;
  status_ = ParseStatus::complete;  // next() then clears every per-request field
  next();
  // A 64 MiB body must not stay resident for the rest of the worker's life.
  if (buf_.size() > (1u << 20)) std::vector<char>().swap(buf_);
}

}  // namespace wpm::http
