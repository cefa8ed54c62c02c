#include "cli/values.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/url.h"

namespace wpm::cli {
namespace {

Error usage(std::string message) { return Error{std::move(message), kExitUsage}; }

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// Reads a leading non-negative decimal number; `rest` is what follows it.
bool leading_number(std::string_view text, double& value, std::string_view& rest) {
  if (text.empty() || text.front() == '-' || text.front() == '+') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                   std::chars_format::fixed);
  if (ec != std::errc() || !std::isfinite(value)) return false;
  rest = text.substr(static_cast<size_t>(ptr - text.data()));
  return true;
}

double duration_unit(std::string_view unit) {
  if (unit == "h") return 3600;
  if (unit == "m") return 60;
  if (unit == "s") return 1;
  if (unit == "ms") return 1e-3;
  if (unit == "us") return 1e-6;
  return 0;
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

bool is_prom_name(std::string_view s) {
  if (s.empty() || !is_name_start(s.front())) return false;
  for (char c : s)
    if (!is_name_char(c)) return false;
  return true;
}

}  // namespace

Result<double> parse_duration(std::string_view text) {
  auto bad = [text] {
    return usage("expected a duration such as 1m30s, 250ms, 2h, 1.5s or seconds, got " + quoted(text));
  };
  double value = 0;
  std::string_view rest;
  if (!leading_number(text, value, rest)) return bad();
  if (rest.empty()) return value;  // bare seconds
  double total = 0, previous_unit = 1e9;
  while (true) {
    size_t n = 0;
    while (n < rest.size() && std::isalpha(static_cast<unsigned char>(rest[n]))) ++n;
    double unit = duration_unit(rest.substr(0, n));
    if (unit == 0 || unit >= previous_unit) return bad();
    total += value * unit;
    previous_unit = unit;
    rest.remove_prefix(n);
    if (rest.empty()) return total;
    if (!leading_number(rest, value, rest)) return bad();
    if (rest.empty()) return bad();  // "1m30": the last number needs its unit
  }
}

Result<uint64_t> parse_size(std::string_view text) {
  auto bad = [text] { return usage("expected a size such as 64MiB, 512k or bytes, got " + quoted(text)); };
  double value = 0;
  std::string_view unit;
  if (!leading_number(text, value, unit)) return bad();
  static const std::pair<std::string_view, double> kUnits[] = {
      {"", 1},        {"B", 1},         {"k", 1e3},       {"K", 1e3},        {"KB", 1e3},
      {"KiB", 1024.}, {"M", 1e6},       {"MB", 1e6},      {"MiB", 1048576.}, {"G", 1e9},
      {"GB", 1e9},    {"GiB", 1073741824.}, {"T", 1e12},  {"TB", 1e12},      {"TiB", 1099511627776.}};
  for (const auto& [name, scale] : kUnits) {
    if (unit != name) continue;
    double bytes = std::round(value * scale);
    if (bytes > 1.8e19) return bad();
    return static_cast<uint64_t>(bytes);
  }
  return bad();
}

Result<int64_t> parse_count(std::string_view text, int64_t lo, int64_t hi) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < lo ||
      value > hi)
    return usage("expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                 ", got " + quoted(text));
  return value;
}

Result<double> parse_number(std::string_view text, double lo, double hi) {
  double value = 0;
  std::string_view rest;
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  bool ok = leading_number(text, value, rest) && rest.empty();
  if (negative) value = -value;
  if (!ok || value < lo || value > hi)
    return usage("expected a number in " + format_number(lo) + ".." + format_number(hi) +
                 ", got " + quoted(std::string(negative ? "-" : "") + std::string(text)));
  return value;
}

Result<double> parse_duration_in(std::string_view text, double lo_s, double hi_s) {
  Result<double> d = parse_duration(text);
  if (!d) return d;
  if (*d < lo_s || *d > hi_s)
    return usage("expected a duration in " + format_duration(lo_s) + ".." + format_duration(hi_s) +
                 ", got " + quoted(text));
  return d;
}

Result<uint64_t> parse_size_in(std::string_view text, uint64_t lo, uint64_t hi) {
  Result<uint64_t> s = parse_size(text);
  if (!s) return s;
  if (*s < lo || *s > hi)
    return usage("expected a size in " + format_size(lo) + ".." + format_size(hi) + ", got " +
                 quoted(text));
  return s;
}

std::string format_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", value);
  return buf;
}

std::string format_duration(double s) {
  if (s == 0) return "0s";
  if (s < 1e-3) return format_number(s * 1e6) + "us";
  if (s < 1) return format_number(s * 1e3) + "ms";
  double whole = std::floor(s);
  if (whole != s || s < 60) return format_number(s) + "s";
  std::string out;
  auto part = [&out](uint64_t n, const char* unit) {
    if (n) out += std::to_string(n) + unit;
  };
  uint64_t total = static_cast<uint64_t>(whole);
  part(total / 3600, "h");
  part(total % 3600 / 60, "m");
  part(total % 60, "s");
  return out;
}

std::string format_size(uint64_t bytes) {
  static const char* kSuffix[] = {"KiB", "MiB", "GiB", "TiB"};
  std::string suffix;
  for (const char* s : kSuffix) {
    if (bytes == 0 || bytes % 1024 != 0) break;
    bytes /= 1024;
    suffix = s;
  }
  return std::to_string(bytes) + suffix;
}

Status check_metric_prefix(const std::string& text) {
  if (is_prom_name(text)) return {};
  return usage(quoted(text) + " is not a Prometheus metric name prefix ([a-zA-Z_][a-zA-Z0-9_]*)");
}

Status check_label_pair(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || !is_prom_name(std::string_view(text).substr(0, eq)))
    return usage("expected K=V with K a label name ([a-zA-Z_][a-zA-Z0-9_]*), got " + quoted(text));
  return {};
}

Status check_request_path(const std::string& text) {
  bool clean = !text.empty() && text.front() == '/';
  for (char c : text) clean = clean && static_cast<unsigned char>(c) > ' ' && c != 0x7f;
  if (clean) return {};
  return usage("expected a request path starting with '/' (no spaces), got " + quoted(text));
}

Status check_pool_name(const std::string& text) {
  bool ok = !text.empty() && text.size() <= 64 && text != "." && text != "..";
  for (char c : text) ok = ok && (is_name_char(c) || c == '-' || c == '.');
  if (ok) return {};
  return usage("expected a name of 1-64 letters, digits, '_', '-' or '.', got " + quoted(text));
}

Status check_http_url(const std::string& text) {
  Result<Url> url = parse_url(text);
  if (url) return {};
  return usage("expected an http:// or https:// URL (" + url.error().message + ")");
}

Status check_not_empty(const std::string& text) {
  if (!text.empty()) return {};
  return usage("must not be empty");
}

Status check_output_path(const std::string& text) {
  if (text.find('\0') == std::string::npos) return {};  // "" = the default place under --out
  return usage("expected a file path or - (standard output)");
}

}  // namespace wpm::cli
