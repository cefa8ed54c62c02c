#include "loadgen/load_spec.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace wpm::loadgen {
namespace {

Error usage(const std::string& message) { return Error{"load spec: " + message, kExitUsage}; }
Error plain(const std::string& message) { return Error{message, kExitUsage}; }  // callers add context

// RFC 9110 tchar: what a method or a header name may be made of.
bool is_token_char(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

Status validate_headers(const LoadSpec& spec) {
  for (const std::string& header : spec.headers) {
    Result<std::pair<std::string, std::string>> h = split_header(header);
    if (!h) return usage(h.error().message);
    for (std::string_view reserved : {"Content-Length", "Transfer-Encoding", "Connection"}) {
      if (iequals(h->first, reserved))
        return usage("header '" + h->first + "' is set by wpm (body size, keep-alive)");
    }
  }
  return {};
}

bool positive(double v) { return std::isfinite(v) && v > 0; }

Status validate_mix(const LoadSpec& spec) {
  if (spec.paths.empty()) return usage("at least one path is needed");
  for (const std::string& path : spec.paths) {
    if (path.empty() || path.front() != '/') return usage("path '" + path + "' must start with '/'");
    for (char c : path) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
        return usage("path '" + path + "' contains a space or control character");
      }
    }
  }
  if (!spec.weights.empty()) {
    if (spec.weights.size() != spec.paths.size()) return usage("one weight per path is needed");
  }
  if (!spec.methods.empty() && spec.methods.size() != spec.paths.size())
    return usage("one method per path is needed");
  if (!spec.labels.empty() && spec.labels.size() != spec.paths.size())
    return usage("one label per path is needed");
  for (const std::string& m : spec.methods)
    if (!is_token(m)) return usage("method '" + m + "' is not an HTTP token");
  if (!spec.weights.empty()) {
    double total = 0;
    for (double w : spec.weights) {
      if (!std::isfinite(w) || w < 0) return usage("weights must be finite and >= 0");
      total += w;
    }
    if (total <= 0) return usage("at least one weight must be > 0");
  }
  if (!is_token(spec.method)) return usage("method '" + spec.method + "' is not an HTTP token");
  return validate_headers(spec);
}

}  // namespace

Result<std::pair<std::string, std::string>> split_header(const std::string& header) {
  size_t colon = header.find(':');
  if (colon == std::string::npos) return plain("header '" + header + "' is not 'Name: value'");
  std::string name = header.substr(0, colon);
  if (!is_token(name)) return plain("header name '" + name + "' is not an HTTP token");
  std::string_view value(header);
  value.remove_prefix(colon + 1);
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return plain("header '" + name + "' value contains CR, LF or NUL");
  }
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return std::make_pair(std::move(name), std::string(value));
}

Status validate(const LoadSpec& spec) {
  if (spec.port == 0) return usage("port must be 1..65535");
  if (spec.host.empty()) return usage("empty host");
  if (spec.connections == 0) return usage("connections must be >= 1");
  if (spec.threads == 0) return usage("threads must be >= 1");
  if (!std::isfinite(spec.rate) || spec.rate < 0) return usage("rate must be >= 0 (0 = closed loop)");
  if (!positive(spec.duration_s)) return usage("duration must be > 0");
  if (!std::isfinite(spec.warmup_s) || spec.warmup_s < 0) return usage("warmup must be >= 0");
  if (!positive(spec.connect_timeout_s)) return usage("connect timeout must be > 0");
  if (!positive(spec.request_timeout_s)) return usage("request timeout must be > 0");
  if (!positive(spec.timeline_interval_s) || spec.timeline_interval_s < 0.01)
    return usage("timeline interval must be >= 10ms");
  if (!std::isfinite(spec.stop_drain_s) || spec.stop_drain_s < 0) return usage("stop drain must be >= 0");
  if (!spec.tls && (!spec.tls_verify || !spec.ca_file.empty()))
    return usage("certificate options need an https target");
  return validate_mix(spec);
}

Result<std::pair<std::string, double>> split_path_weight(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::make_pair(text, 1.0);
  std::string weight = text.substr(colon + 1);
  char* end = nullptr;
  double w = weight.empty() ? -1 : std::strtod(weight.c_str(), &end);
  if (weight.empty() || *end != '\0' || !std::isfinite(w) || w < 0 || w > 1e6) {
    return plain("path '" + text + "': weight '" + weight +
                 "' after the last ':' is not a number in 0..1000000 (a path containing ':' needs an "
                 "explicit weight, e.g. " + text + ":1)");
  }
  return std::make_pair(text.substr(0, colon), w);
}

}  // namespace wpm::loadgen
