#include "reports/exposition_line.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace wpm::prom {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':';
}

// A cursor over one line; every reader advances it past what it consumed.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  void skip_blanks() {
    while (!done() && is_blank(s[i])) ++i;
  }
  std::string_view name() {
    size_t start = i;
    while (!done() && is_name_char(s[i])) ++i;
    return s.substr(start, i - start);
  }
  std::string_view token() {
    size_t start = i;
    while (!done() && !is_blank(s[i])) ++i;
    return s.substr(start, i - start);
  }
};

bool read_label_value(Cursor& c, std::string& out, std::string& error) {
  ++c.i;  // the opening quote
  while (!c.done()) {
    char ch = c.s[c.i++];
    if (ch == '"') return true;
    if (ch != '\\') {
      out.push_back(ch);
      continue;
    }
    if (c.done()) break;
    char esc = c.s[c.i++];
    if (esc == '\\') out.push_back('\\');
    else if (esc == '"') out.push_back('"');
    else if (esc == 'n') out.push_back('\n');
    else {
      error = std::string("invalid escape sequence '\\") + esc + "' in a label value";
      return false;
    }
  }
  error = "unterminated label value";
  return false;
}

bool read_labels(Cursor& c, Sample& out, std::string& error) {
  ++c.i;  // '{'
  for (;;) {
    c.skip_blanks();
    if (c.peek() == '}') { ++c.i; return true; }
    Label label;
    label.name = std::string(c.name());
    if (label.name.empty()) {
      error = c.done() ? "unterminated label set" : "expected a label name at column " +
                                                         std::to_string(c.i + 1);
      return false;
    }
    c.skip_blanks();
    if (c.peek() != '=') { error = "expected '=' after label " + label.name; return false; }
    ++c.i;
    c.skip_blanks();
    if (c.peek() != '"') { error = "expected '\"' to open the value of label " + label.name; return false; }
    if (!read_label_value(c, label.value, error)) return false;
    out.labels.push_back(std::move(label));
    c.skip_blanks();
    if (c.peek() == ',') { ++c.i; continue; }
    if (c.peek() == '}') { ++c.i; return true; }
    error = "expected ',' or '}' after a label value";
    return false;
  }
}

bool parse_timestamp(std::string_view text, int64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

bool parse_value(std::string_view text, double& out) {
  if (text == "+Inf" || text == "Inf") { out = std::numeric_limits<double>::infinity(); return true; }
  if (text == "-Inf") { out = -std::numeric_limits<double>::infinity(); return true; }
  if (text == "NaN") { out = std::numeric_limits<double>::quiet_NaN(); return true; }
  // Like Go's strconv.ParseFloat, which Prometheus uses: a sign, decimals, exponents, and
  // inf/infinity/nan in any case.
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty() || text.back() == ')') return false;  // no "nan(payload)"
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out,
                                   std::chars_format::general);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool parse_sample_line(std::string_view line, Sample& out, std::string& error) {
  Cursor c{line};
  c.skip_blanks();
  out.name = std::string(c.name());
  if (out.name.empty()) { error = "expected a metric name"; return false; }
  c.skip_blanks();
  if (c.peek() == '{' && !read_labels(c, out, error)) return false;
  c.skip_blanks();
  std::string_view value = c.token();
  if (value.empty()) { error = "missing sample value"; return false; }
  if (!parse_value(value, out.value)) {
    error = "invalid sample value '" + std::string(value) + "'";
    return false;
  }
  c.skip_blanks();
  if (!c.done()) {
    std::string_view ts = c.token();
    int64_t ms = 0;
    if (!parse_timestamp(ts, ms)) { error = "invalid timestamp '" + std::string(ts) + "'"; return false; }
    out.timestamp_ms = ms;
    c.skip_blanks();
    if (!c.done()) { error = "unexpected text after the timestamp"; return false; }
  }
  return true;
}

bool unescape_help(std::string_view text, std::string& out, std::string& error) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') { out.push_back(text[i]); continue; }
    if (i + 1 == text.size()) { out.push_back('\\'); break; }  // Go's parser keeps it
    char esc = text[++i];
    if (esc == '\\') out.push_back('\\');
    else if (esc == 'n') out.push_back('\n');
    else {
      error = std::string("invalid escape sequence '\\") + esc + "' in HELP text";
      return false;
    }
  }
  return true;
}

bool valid_utf8(std::string_view text) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < text.size()) {
    auto b = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    uint32_t cp = b;
    if (b < 0x80) { ++i; continue; }
    if ((b & 0xE0) == 0xC0) { n = 1; cp = b & 0x1F; }
    else if ((b & 0xF0) == 0xE0) { n = 2; cp = b & 0x0F; }
    else if ((b & 0xF8) == 0xF0) { n = 3; cp = b & 0x07; }
    else return false;
    if (text.size() - i <= n) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cont & 0x3F);
    }
    // Overlong forms, surrogates and values past Unicode are not UTF-8.
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace wpm::prom
