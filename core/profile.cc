#include "core/profile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wpm {
namespace {

// z of the standard normal at 0.99: lognormal sigma = (ln p99 - ln p50) / z99.
constexpr double kZ99 = 2.3263478740408408;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Errors name the field as the TOML form does: 'route[2].cpu.p99': ...
Error at(const std::string& key, const std::string& message) {
  return Error{"'" + key + "': " + message, kExitUsage};
}

bool finite_nonneg(double v) { return std::isfinite(v) && v >= 0; }

Status check_histogram(const Distribution& d, const std::string& key) {
  if (d.bounds.empty()) return at(key + ".bounds", "a histogram needs at least one bound");
  if (d.weights.size() != d.bounds.size())
    return at(key + ".weights", "one weight per bound is needed (" + num(d.bounds.size()) +
                                    " bounds, " + num(d.weights.size()) + " weights)");
  double previous = 0, total = 0;
  for (size_t i = 0; i < d.bounds.size(); ++i) {
    std::string bound = key + ".bounds[" + std::to_string(i) + "]";
    if (!std::isfinite(d.bounds[i]) || d.bounds[i] <= previous)
      return at(bound, "bounds must be positive and strictly ascending (" + num(d.bounds[i]) +
                           " after " + num(previous) + ")");
    previous = d.bounds[i];
    if (!finite_nonneg(d.weights[i]))
      return at(key + ".weights[" + std::to_string(i) + "]", "must be a number >= 0");
    total += d.weights[i];
  }
  if (total <= 0) return at(key + ".weights", "at least one weight must be > 0");
  return {};
}

Status check_distribution(const Distribution& d, const std::string& key) {
  using K = Distribution::Kind;
  std::string first = key + "." + std::string(field_name(d.kind, false));
  std::string second = key + "." + std::string(field_name(d.kind, true));
  switch (d.kind) {
    case K::fixed:
      if (!finite_nonneg(d.a)) return at(first, "must be >= 0");
      return {};
    case K::uniform:
      if (!finite_nonneg(d.a)) return at(first, "must be >= 0");
      if (!std::isfinite(d.b) || d.b < d.a)
        return at(second, "must be >= min (" + num(d.a) + "), got " + num(d.b));
      return {};
    case K::normal:
      if (!finite_nonneg(d.a)) return at(first, "must be >= 0");
      if (!finite_nonneg(d.b)) return at(second, "must be >= 0");
      return {};
    case K::lognormal:
      if (!std::isfinite(d.a) || d.a <= 0) return at(first, "must be > 0");
      if (!std::isfinite(d.b) || d.b < d.a)
        return at(second, "must be >= p50 (" + num(d.a) + "), got " + num(d.b));
      return {};
    case K::histogram: return check_histogram(d, key);
  }
  return at(key, "unknown distribution");
}

Status check_status_mix(const Route& r, const std::string& key) {
  double total = 0;
  for (const StatusShare& s : r.status_mix) {
    std::string share_key = key + ".status." + std::to_string(s.code);
    if (s.code < 100 || s.code > 599) return at(share_key, "status code must be in 100..599");
    if (!std::isfinite(s.share) || s.share < 0 || s.share > 1)
      return at(share_key, "share must be in 0..1, got " + num(s.share));
    total += s.share;
  }
  if (!std::isfinite(r.raise_share) || r.raise_share < 0 || r.raise_share > 1)
    return at(key + ".raise", "share must be in 0..1, got " + num(r.raise_share));
  // A little slack: a written profile rounds its shares (6 significant digits), so shares
  // that summed to 1 may read back a hair above it; draws past 1 are simply never reached.
  if (total + r.raise_share > 1 + 1e-4)
    return at(key + ".status", "shares and raise add up to " + num(total + r.raise_share) +
                                   ", more than 1");
  return {};
}

Status check_route(const Route& r, const std::string& key) {
  if (r.path.empty() || r.path.front() != '/') return at(key + ".path", "must start with '/'");
  for (char c : r.path)
    if (static_cast<unsigned char>(c) <= ' ' || c == '?' || c == '#' || c == 0x7f)
      return at(key + ".path", "no spaces, control characters, '?' or '#' in a template");
  if (r.method.empty()) return at(key + ".method", "must not be empty");
  if (!std::isfinite(r.weight) || r.weight <= 0) return at(key + ".weight", "must be > 0");
  if (Status s = check_distribution(r.cpu, key + ".cpu"); !s) return s;
  if (Status s = check_distribution(r.io, key + ".io"); !s) return s;
  if (Status s = check_distribution(r.response_bytes, key + ".response_bytes"); !s) return s;
  return check_status_mix(r, key);
}

// The standard normal's inverse CDF: Acklam's rational approximation (relative error
// < 1.2e-9), good far beyond what request timings need.
double inverse_normal(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double low = 0.02425;
  p = std::clamp(p, 1e-300, 1 - 1e-16);
  if (p < low || p > 1 - low) {
    double q = std::sqrt(-2 * std::log(p < low ? p : 1 - p));
    double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < low ? x : -x;
  }
  double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// Picks a bucket by weight (u scaled to the total), then a uniform point inside it.
double histogram_quantile(const Distribution& d, double u) {
  double total = 0;
  for (double w : d.weights) total += w;
  double target = u * total, below = 0;
  for (size_t i = 0; i < d.bounds.size(); ++i) {
    double w = d.weights[i];
    if (w > 0 && (target < below + w || i + 1 == d.bounds.size())) {
      double lo = i == 0 ? 0 : d.bounds[i - 1];
      double inside = std::clamp((target - below) / w, 0.0, 1.0);
      return lo + (d.bounds[i] - lo) * inside;
    }
    below += w;
  }
  return d.bounds.empty() ? 0 : d.bounds.back();
}

}  // namespace

std::string_view field_name(Distribution::Kind kind, bool second) {
  using K = Distribution::Kind;
  switch (kind) {
    case K::fixed: return "value";
    case K::uniform: return second ? "max" : "min";
    case K::normal: return second ? "stddev" : "mean";
    case K::lognormal: return second ? "p99" : "p50";
    case K::histogram: return second ? "weights" : "bounds";
  }
  return "value";
}

Status validate(const Profile& profile) {
  if (profile.routes.empty()) return at("route", "a profile needs at least one [[route]]");
  for (size_t i = 0; i < profile.routes.size(); ++i) {
    std::string key = "route[" + std::to_string(i) + "]";
    if (Status s = check_route(profile.routes[i], key); !s) return s;
    for (size_t j = 0; j < i; ++j)
      if (profile.routes[j].path == profile.routes[i].path &&
          profile.routes[j].method == profile.routes[i].method)
        return at(key + ".path", "the same method and path as route[" + std::to_string(j) + "]");
  }
  return {};
}

double quantile(const Distribution& d, double u) {
  using K = Distribution::Kind;
  u = std::clamp(u, 0.0, 1.0);
  switch (d.kind) {
    case K::fixed: return std::max(d.a, 0.0);
    case K::uniform: return std::max(d.a + (d.b - d.a) * u, 0.0);
    case K::normal: return std::max(d.a + d.b * inverse_normal(u), 0.0);
    case K::lognormal: {
      double sigma = (std::log(d.b) - std::log(d.a)) / kZ99;
      return d.a * std::exp(sigma * inverse_normal(u));
    }
    case K::histogram: return histogram_quantile(d, u);
  }
  return 0;
}

double sample(const Distribution& d, std::mt19937_64& rng) {
  using K = Distribution::Kind;
  if (d.kind == K::fixed) return std::max(d.a, 0.0);
  // 53 random bits: a uniform double in [0, 1).
  double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return quantile(d, u);
}

}  // namespace wpm
