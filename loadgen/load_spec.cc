#include "loadgen/load_spec.h"

#include <cmath>

namespace wpm::loadgen {
namespace {

Error usage(const std::string& message) { return Error{"load spec: " + message, kExitUsage}; }

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
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
    double total = 0;
    for (double w : spec.weights) {
      if (!std::isfinite(w) || w < 0) return usage("weights must be finite and >= 0");
      total += w;
    }
    if (total <= 0) return usage("at least one weight must be > 0");
  }
  if (spec.method.empty()) return usage("empty method");
  for (char c : spec.method) {
    if (!is_token_char(c)) return usage("method '" + spec.method + "' is not an HTTP token");
  }
  return {};
}

}  // namespace

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
  return validate_mix(spec);
}

}  // namespace wpm::loadgen
