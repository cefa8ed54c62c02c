#include "workers/http_response.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>

namespace wpm::http {
namespace {

constexpr size_t kFillerBlock = 64 * 1024;

// One static block of filler bytes shared by every /bytes/<n> response (no per-request memory).
const char* filler_block() {
  static const std::array<char, kFillerBlock> block = [] {
    std::array<char, kFillerBlock> b{};
    for (size_t i = 0; i < b.size(); ++i) b[i] = (i % 64 == 63) ? '\n' : 'x';
    return b;
  }();
  return block.data();
}

// "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", rebuilt once a second per thread. Formatted by
// hand: strftime's names depend on the locale.
std::string_view date_header() {
  static constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local time_t cached_second = -1;
  thread_local char text[64];
  thread_local size_t len = 0;
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  if (now.tv_sec != cached_second) {
    tm t{};
    gmtime_r(&now.tv_sec, &t);
    auto two = [](char* p, int v) { p[0] = static_cast<char>('0' + v / 10); p[1] = static_cast<char>('0' + v % 10); };
    char* p = text;
    auto put = [&p](std::string_view s) { std::memcpy(p, s.data(), s.size()); p += s.size(); };
    put("Date: ");
    put(kDays[t.tm_wday]);
    put(", ");
    two(p, t.tm_mday); p += 2;
    put(" ");
    put(kMonths[t.tm_mon]);
    put(" ");
    int year = t.tm_year + 1900;
    two(p, year / 100); two(p + 2, year % 100); p += 4;
    put(" ");
    two(p, t.tm_hour); p[2] = ':'; two(p + 3, t.tm_min); p[5] = ':'; two(p + 6, t.tm_sec); p += 8;
    put(" GMT\r\n");
    len = static_cast<size_t>(p - text);
    cached_second = now.tv_sec;
  }
  return {text, len};
}

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: break;
  }
  if (status >= 500) return "Server Error";
  if (status >= 400) return "Client Error";
  if (status >= 300) return "Redirection";
  return "Success";
}

void OutgoingResponse::append(std::string_view s) {
  // The head's parts are bounded (status, fixed names, a content type from the app's table,
  // a 20-digit length): overflowing the buffer is a bug, not input.
  if (head_len_ + s.size() > sizeof(head_)) __builtin_trap();
  std::memcpy(head_ + head_len_, s.data(), s.size());
  head_len_ += s.size();
}

void OutgoingResponse::append_number(uint64_t n) {
  char digits[20];
  size_t i = sizeof(digits);
  do {
    digits[--i] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n);
  append({digits + i, sizeof(digits) - i});
}

void OutgoingResponse::start(const ResponseSpec& spec) {
  status_ = spec.status;
  keep_alive_ = spec.keep_alive;
  body_ = spec.body;
  bool has_body = status_has_body(spec.status);
  body_len_ = (has_body && !spec.head_only) ? spec.body.size() : 0;
  head_len_ = 0;
  append("HTTP/1.1 ");
  append_number(static_cast<uint64_t>(spec.status));
  append(" ");
  append(reason_phrase(spec.status));
  append("\r\nServer: wpm\r\n");
  append(date_header());
  append(spec.keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  if (has_body) {
    append("Content-Type: ");
    append(spec.content_type);
    append("\r\nContent-Length: ");
    append_number(spec.body.size());
    append("\r\n");
  }
  append("\r\n");
  total_ = head_len_ + body_len_;
  sent_ = 0;
}

void OutgoingResponse::start_error(int status, std::string_view message) {
  ResponseSpec spec;
  spec.status = status;
  spec.body.bytes = message;
  spec.keep_alive = false;
  start(spec);
}

size_t OutgoingResponse::iov(iovec* out, size_t max) const {
  size_t n = 0;
  if (n < max && sent_ < head_len_) {
    out[n++] = {const_cast<char*>(head_ + sent_), head_len_ - sent_};
  }
  uint64_t body_sent = sent_ > head_len_ ? sent_ - head_len_ : 0;
  if (body_sent >= body_len_) return n;
  if (body_.filler == 0) {
    if (n < max) out[n++] = {const_cast<char*>(body_.bytes.data() + body_sent), body_len_ - body_sent};
    return n;
  }
  // Filler: consecutive views of the static block, each aligned to its pattern.
  while (n < max && body_sent < body_len_) {
    size_t offset = body_sent % kFillerBlock;
    size_t len = static_cast<size_t>(std::min<uint64_t>(kFillerBlock - offset, body_len_ - body_sent));
    out[n++] = {const_cast<char*>(filler_block() + offset), len};
    body_sent += len;
  }
  return n;
}

size_t OutgoingResponse::iov(iovec* out, size_t max, uint64_t max_bytes) const {
  size_t n = iov(out, max);
  for (size_t i = 0; i < n; ++i) {
    if (out[i].iov_len >= max_bytes) {
      out[i].iov_len = static_cast<size_t>(max_bytes);
      return max_bytes == 0 ? i : i + 1;
    }
    max_bytes -= out[i].iov_len;
  }
  return n;
}

void OutgoingResponse::advance(size_t n) { sent_ = std::min<uint64_t>(sent_ + n, total_); }

}  // namespace wpm::http
