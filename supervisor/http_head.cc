#include "supervisor/http_head.h"

#include <algorithm>
#include <cctype>

namespace wpm::supervisor {
namespace {

constexpr std::string_view kTokenSpecials = "!#$%&'*+-.^_`|~";

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::isalnum(c) || kTokenSpecials.find(static_cast<char>(c)) != std::string_view::npos;
         });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Next line of `text` from `pos` without its LF or CRLF; advances `pos` past the ending.
std::string_view next_line(std::string_view text, size_t& pos) {
  size_t lf = text.find('\n', pos);
  if (lf == std::string_view::npos) lf = text.size();
  std::string_view line = text.substr(pos, lf - pos);
  pos = std::min(lf + 1, text.size());
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Does the comma-separated `list` contain `token` (case-insensitively)?
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// "GET /path?q HTTP/1.1" → method, path, minor. Returns 0 or the error status.
int parse_request_line(std::string_view line, const HeadLimits& limits, RequestHead& out) {
  if (line.size() > limits.request_line) return 400;
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return 400;
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty()) return 400;
  if (target.front() != '/' && target != "*") return 400;
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[5])) ||
      !std::isdigit(static_cast<unsigned char>(version[7])))
    return 400;
  if (version[5] != '1' || version[7] > '1') return 505;
  out.method = method;
  out.path = target.substr(0, target.find('?'));
  out.minor = version[7] - '0';
  return 0;
}

// One "Name: value" field into `out`; `connection` collects the Connection header's tokens.
int parse_field(std::string_view line, RequestHead& out, std::string& connection,
                std::string& content_length) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return 400;
  std::string_view name = line.substr(0, colon);
  std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "connection")) {
    connection.append(value).push_back(',');
  } else if (iequals(name, "content-length")) {
    bool digits = std::all_of(value.begin(), value.end(),
                              [](unsigned char c) { return std::isdigit(c) != 0; });
    if (value.empty() || !digits) return 400;
    if (!content_length.empty() && content_length != value) return 400;
    content_length = value;
    out.has_body = out.has_body || value.find_first_not_of('0') != std::string_view::npos;
  } else if (iequals(name, "transfer-encoding")) {
    out.has_body = true;
  }
  return 0;
}

}  // namespace

size_t find_head_end(std::string_view buf, size_t& scanned) {
  size_t start = buf.find_first_not_of("\r\n");  // RFC 9112 §2.2: blank lines before a request
  if (start == std::string_view::npos) return std::string_view::npos;
  for (size_t i = std::max(scanned, start + 1); i < buf.size(); ++i) {
    if (buf[i] != '\n') continue;
    if (buf[i - 1] == '\n') return i + 1;
    if (buf[i - 1] == '\r' && i >= start + 2 && buf[i - 2] == '\n') return i + 1;
  }
  scanned = buf.size();
  return std::string_view::npos;
}

ParsedHead parse_head(std::string_view head, const HeadLimits& limits) {
  ParsedHead parsed;
  size_t pos = head.find_first_not_of("\r\n");
  if (pos == std::string_view::npos) return {400, {}};
  if (int status = parse_request_line(next_line(head, pos), limits, parsed.head)) return {status, {}};
  std::string connection, content_length;
  size_t fields = 0;
  for (std::string_view line = next_line(head, pos); !line.empty(); line = next_line(head, pos)) {
    if (++fields > limits.fields || line.size() + 2 > limits.field_line) return {431, {}};
    // Obsolete line folding (a field line starting with whitespace) is refused, as RFC 9112 allows.
    if (line.front() == ' ' || line.front() == '\t') return {400, {}};
    if (int status = parse_field(line, parsed.head, connection, content_length)) return {status, {}};
  }
  bool close = has_token(connection, "close");
  parsed.head.keep_alive =
      !close && (parsed.head.minor >= 1 || has_token(connection, "keep-alive"));
  return parsed;
}

int oversized_head_status(std::string_view partial, const HeadLimits& limits) {
  size_t start = partial.find_first_not_of("\r\n");
  if (start == std::string_view::npos) return 400;
  size_t lf = partial.find('\n', start);
  size_t line = (lf == std::string_view::npos ? partial.size() : lf) - start;
  return line > limits.request_line + 1 ? 400 : 431;
}

}  // namespace wpm::supervisor
