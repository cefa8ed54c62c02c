#include "loadgen/response_parser.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "core/text.h"

namespace wpm::loadgen {
namespace {

constexpr int kMaxChunkDigits = 15;  // < 2^60: no overflow

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Calls fn(token) for each comma-separated token of a header value.
template <class Fn>
void for_each_token(std::string_view value, Fn fn) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view token = value.substr(0, comma);
    fn(trim_blanks(token));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

ResponseParser::ResponseParser(size_t max_header_bytes)
    : max_header_(max_header_bytes), header_buf_(new char[max_header_bytes]) {}

void ResponseParser::start(bool head) {
  state_ = State::headers;
  head_ = head;
  header_len_ = 0;
  status_ = 0;
  keep_alive_ = true;
  body_bytes_ = received_ = 0;
  error_ = "";
}

ResponseParser::Status ResponseParser::fail(const char* why) {
  state_ = State::error;
  error_ = why;
  return Status::error;
}

ResponseParser::Status ResponseParser::feed(const char* data, size_t len, size_t* consumed) {
  size_t used = 0;
  Status status = Status::more;
  while (state_ != State::error && state_ != State::done) {
    size_t n = 0;
    bool in_headers = state_ == State::headers;
    status = in_headers ? feed_headers(data + used, len - used, &n) : feed_body(data + used, len - used, &n);
    used += n;
    // A body state that consumed everything waits for more; headers loop on (1xx, body).
    if (status == Status::error || (status == Status::more && used == len)) break;
  }
  received_ += used;
  *consumed = used;
  if (state_ == State::error) return Status::error;
  return state_ == State::done ? Status::done : Status::more;
}

ResponseParser::Status ResponseParser::finish_at_eof() {
  if (state_ == State::until_close || state_ == State::done) {
    state_ = State::done;
    return Status::done;
  }
  if (state_ == State::error) return Status::error;
  return fail("connection closed before the response was complete");
}

ResponseParser::Status ResponseParser::feed_headers(const char* data, size_t len, size_t* consumed) {
  *consumed = 0;
  if (len == 0) return Status::more;
  if (header_len_ == 0) {  // fast path: the whole head is in this read, parse it in place
    const void* end = memmem(data, len, "\r\n\r\n", 4);
    if (end != nullptr) {
      size_t n = static_cast<size_t>(static_cast<const char*>(end) - data) + 4;
      if (n > max_header_) return fail("response headers too large");
      *consumed = n;
      return parse_head(data, data + n) ? Status::done : Status::error;
    }
  }
  size_t old_len = header_len_;
  size_t take = std::min(len, max_header_ - header_len_);
  std::memcpy(header_buf_.get() + header_len_, data, take);
  header_len_ += take;
  size_t from = old_len >= 3 ? old_len - 3 : 0;  // the terminator may straddle the reads
  const char* buf = header_buf_.get();
  const void* end = memmem(buf + from, header_len_ - from, "\r\n\r\n", 4);
  if (end == nullptr) {
    if (header_len_ == max_header_) return fail("response headers too large");
    *consumed = take;
    return Status::more;
  }
  size_t head_bytes = static_cast<size_t>(static_cast<const char*>(end) - buf) + 4;
  *consumed = head_bytes - old_len;
  header_len_ = 0;
  return parse_head(buf, buf + head_bytes) ? Status::done : Status::error;
}

// [begin, end) is the status line, the header lines and the final empty line.
bool ResponseParser::parse_head(const char* begin, const char* end) {
  chunked_ = has_length_ = saw_close_ = saw_keep_alive_ = false;
  content_length_ = 0;
  const char* eol = static_cast<const char*>(memmem(begin, static_cast<size_t>(end - begin), "\r\n", 2));
  if (!parse_status_line(begin, eol)) return false;
  for (const char* line = eol + 2; line < end - 2;) {
    const char* next = static_cast<const char*>(memmem(line, static_cast<size_t>(end - line), "\r\n", 2));
    if (!parse_header(line, next)) return false;
    line = next + 2;
  }
  if (status_ >= 100 && status_ < 200) {
    if (status_ == 101) return fail("unexpected 101 Switching Protocols"), false;
    state_ = State::headers;  // interim response: the real one follows
    return true;
  }
  choose_body();
  return true;
}

bool ResponseParser::parse_status_line(const char* begin, const char* end) {
  size_t n = static_cast<size_t>(end - begin);
  if (n < 12 || std::memcmp(begin, "HTTP/1.", 7) != 0 || !is_digit(begin[7]) || begin[8] != ' ' ||
      !is_digit(begin[9]) || !is_digit(begin[10]) || !is_digit(begin[11]) || (n > 12 && begin[12] != ' ')) {
    return fail("malformed status line"), false;
  }
  http10_ = begin[7] == '0';
  status_ = (begin[9] - '0') * 100 + (begin[10] - '0') * 10 + (begin[11] - '0');
  if (status_ < 100) return fail("status code below 100"), false;
  return true;
}

bool ResponseParser::parse_header(const char* begin, const char* end) {
  const char* colon = static_cast<const char*>(std::memchr(begin, ':', static_cast<size_t>(end - begin)));
  if (colon == nullptr || colon == begin) return fail("malformed header line"), false;
  std::string_view name(begin, static_cast<size_t>(colon - begin));
  std::string_view value = trim_blanks({colon + 1, static_cast<size_t>(end - (colon + 1))});
  if (iequals(name, "content-length")) {
    if (value.empty() || value.size() > 18) return fail("bad Content-Length"), false;
    uint64_t length = 0;
    for (char c : value) {
      if (!is_digit(c)) return fail("bad Content-Length"), false;
      length = length * 10 + static_cast<uint64_t>(c - '0');
    }
    if (has_length_ && length != content_length_) return fail("conflicting Content-Length"), false;
    has_length_ = true;
    content_length_ = length;
  } else if (iequals(name, "transfer-encoding")) {
    bool last_is_chunked = false;
    for_each_token(value, [&](std::string_view t) { last_is_chunked = iequals(t, "chunked"); });
    chunked_ = last_is_chunked;
    if (!chunked_) has_length_ = false;  // other codings: the body runs until close
  } else if (iequals(name, "connection")) {
    for_each_token(value, [&](std::string_view t) {
      saw_close_ = saw_close_ || iequals(t, "close");
      saw_keep_alive_ = saw_keep_alive_ || iequals(t, "keep-alive");
    });
  }
  return true;
}

void ResponseParser::choose_body() {
  keep_alive_ = !saw_close_ && (!http10_ || saw_keep_alive_);
  if (head_ || status_ == 204 || status_ == 304) {
    state_ = State::done;
  } else if (chunked_) {
    state_ = State::chunk_size;
    chunk_digits_ = 0;
    remaining_ = 0;
  } else if (has_length_) {
    remaining_ = content_length_;
    state_ = remaining_ == 0 ? State::done : State::fixed_body;
  } else {
    state_ = State::until_close;
    keep_alive_ = false;
  }
}

ResponseParser::Status ResponseParser::feed_body(const char* data, size_t len, size_t* consumed) {
  if (state_ == State::until_close) {
    body_bytes_ += len;
    *consumed = len;
    return Status::more;
  }
  if (state_ == State::fixed_body) {
    uint64_t n = std::min<uint64_t>(remaining_, len);
    remaining_ -= n;
    body_bytes_ += n;
    *consumed = static_cast<size_t>(n);
    if (remaining_ == 0) state_ = State::done;
    return state_ == State::done ? Status::done : Status::more;
  }
  return feed_chunked(data, len, consumed);
}

ResponseParser::Status ResponseParser::feed_chunked(const char* data, size_t len, size_t* consumed) {
  size_t i = 0;
  while (i < len && state_ != State::done) {
    if (state_ == State::chunk_data) {  // bulk: skip the chunk's bytes without looking at them
      uint64_t n = std::min<uint64_t>(remaining_, len - i);
      remaining_ -= n;
      body_bytes_ += n;
      i += static_cast<size_t>(n);
      if (remaining_ == 0) state_ = State::chunk_data_cr;
      continue;
    }
    if (!chunk_framing_byte(data[i++])) return Status::error;
  }
  *consumed = i;
  return state_ == State::done ? Status::done : Status::more;
}

// One byte of chunk-size line, chunk-data terminator or trailer. False on a framing error.
bool ResponseParser::chunk_framing_byte(char c) {
  switch (state_) {
    case State::chunk_size: {
      int v = hex_digit(c);
      if (v >= 0) {
        if (++chunk_digits_ > kMaxChunkDigits) return fail("chunk size too large"), false;
        remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
      } else if (chunk_digits_ == 0) {
        return fail("chunk size expected"), false;
      } else if (c == '\r') {
        state_ = State::chunk_size_lf;
      } else if (c == ';' || c == ' ' || c == '\t') {
        state_ = State::chunk_ext;
      } else {
        return fail("bad character in chunk size"), false;
      }
      return true;
    }
    case State::chunk_ext:
      if (c == '\n') return fail("bare LF in chunk extension"), false;
      if (c == '\r') state_ = State::chunk_size_lf;
      return true;
    case State::chunk_size_lf:
      if (c != '\n') return fail("CR without LF after chunk size"), false;
      state_ = remaining_ == 0 ? State::trailer_start : State::chunk_data;
      return true;
    case State::chunk_data_cr:
      if (c != '\r') return fail("chunk data longer than its size"), false;
      state_ = State::chunk_data_lf;
      return true;
    case State::chunk_data_lf:
      if (c != '\n') return fail("CR without LF after chunk data"), false;
      state_ = State::chunk_size;
      chunk_digits_ = 0;
      return true;
    default:
      return trailer_byte(c);
  }
}

bool ResponseParser::trailer_byte(char c) {
  switch (state_) {
    case State::trailer_start:
      state_ = c == '\r' ? State::trailer_lf : State::trailer_line;
      return true;
    case State::trailer_line:
      if (c == '\n') state_ = State::trailer_start;
      return true;
    case State::trailer_lf:
      if (c != '\n') return fail("CR without LF at the end of the chunked body"), false;
      state_ = State::done;
      return true;
    default:
      return fail("parser in an impossible state"), false;
  }
}

}  // namespace wpm::loadgen
