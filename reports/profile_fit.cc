#include "reports/profile_fit.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#include "core/format.h"
#include "core/text.h"

namespace wpm {
namespace {

bool all_of(std::string_view s, int (*pred)(int)) {
  return std::all_of(s.begin(), s.end(), [pred](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}
bool any_of(std::string_view s, int (*pred)(int)) {
  return std::any_of(s.begin(), s.end(), [pred](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}
bool hex_only(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return hex_digit(c) >= 0; });
}

// 8-4-4-4-12 hex digits.
bool uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : hex_digit(s[i]) < 0) return false;
  }
  return true;
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '=';
}

bool id_segment(std::string_view s) {
  if (s.empty()) return false;
  if (all_of(s, isdigit) || uuid(s)) return true;
  if (s.size() >= 6 && hex_only(s) && any_of(s, isdigit)) return true;
  // Hashes and base64 ids; a braced segment would read back as a template name.
  if (s.find_first_of("{}") != std::string_view::npos) return true;
  return s.size() >= 16 && std::all_of(s.begin(), s.end(), token_char) && any_of(s, isdigit) &&
         any_of(s, isalpha);
}

// Quantile levels of the histogram bounds: every 1 % up to 90 %, every 0.5 % up to 99.5 %,
// then 99.9 % and the maximum, so p50 and p99 are bounds and the tail keeps its shape.
std::vector<double> quantile_levels() {
  std::vector<double> levels{0.001};
  for (int i = 1; i <= 90; ++i) levels.push_back(i / 100.0);
  for (int i = 181; i <= 199; ++i) levels.push_back(i / 200.0);
  levels.push_back(0.999);
  levels.push_back(1.0);
  return levels;
}

double round_up(double v, double resolution, double floor) {
  return std::max(floor, std::ceil(v / resolution - 1e-6) * resolution);
}

std::string utc_text(double unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string percent(size_t part, size_t whole) {
  return format_fixed(whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0, 2) + " %";
}

Route fit_route(const std::string& path, const std::string& method, size_t total,
                std::vector<double> seconds, double step, bool truncated,
                const std::vector<double>& bytes, const std::map<int, size_t>& statuses) {
  if (step > 1e-6) spread_rounded(seconds, step, truncated);
  Route r;
  r.path = path;
  r.method = method;
  double n = static_cast<double>(seconds.size());
  r.weight = 100.0 * n / static_cast<double>(total);
  r.cpu = Distribution{Distribution::Kind::fixed, 0, 0, {}, {}};
  r.io = fit_histogram(seconds, 1e-6, 1e-6);
  r.response_bytes = fit_histogram(bytes, 1, 1);
  for (const auto& [code, count] : statuses)
    if (code != 200) r.status_mix.push_back({code, static_cast<double>(count) / n});
  return r;
}

}  // namespace

std::string route_template(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  std::string out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    std::string_view segment = path.substr(pos, slash == std::string_view::npos ? path.npos : slash - pos);
    out += id_segment(segment) ? "{id}" : std::string(segment);
    if (slash == std::string_view::npos) break;
    out += '/';
    pos = slash + 1;
  }
  return out.empty() ? "/" : out;
}

void spread_rounded(std::vector<double>& values, double step, bool truncated) {
  std::sort(values.begin(), values.end());
  for (size_t begin = 0, end = 0; begin < values.size(); begin = end) {
    double v = values[begin];
    while (end < values.size() && values[end] == v) ++end;
    double low = truncated ? v : std::max(0.0, v - step / 2), high = truncated ? v + step : v + step / 2;
    double m = static_cast<double>(end - begin);
    for (size_t k = begin; k < end; ++k) values[k] = low + (high - low) * static_cast<double>(k - begin + 1) / m;
  }
}

Distribution fit_histogram(std::vector<double> values, double floor, double resolution) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  if (values.front() == values.back()) {
    d.a = values.front();
    return d;
  }
  d.kind = Distribution::Kind::histogram;
  size_t n = values.size(), below = 0;
  for (double level : quantile_levels()) {
    size_t index = std::min(n - 1, static_cast<size_t>(std::max(1.0, std::ceil(level * n))) - 1);
    double bound = round_up(values[index], resolution, floor);
    if (!d.bounds.empty() && bound <= d.bounds.back()) continue;
    size_t upto = static_cast<size_t>(
        std::upper_bound(values.begin(), values.end(), bound + resolution * 1e-3) - values.begin());
    d.bounds.push_back(bound);
    d.weights.push_back(static_cast<double>(upto - below));
    below = upto;
  }
  return d;
}

void ProfileFitter::add(const AccessRecord& record) {
  RouteSamples& s = routes_[{route_template(record.path), record.method}];
  s.seconds.push_back(record.duration_s);
  s.step = std::max(s.step, record.resolution_s);
  s.truncated = s.truncated || record.truncated;
  s.bytes.push_back(static_cast<double>(record.response_bytes));
  ++s.statuses[record.status];
  ++requests_;
}

FitResult ProfileFitter::finish(const FitOptions& options) const {
  FitResult out;
  out.profile.name = options.name;
  out.requests = requests_;
  out.routes_seen = routes_.size();
  std::vector<const decltype(routes_)::value_type*> order;
  for (const auto& entry : routes_) order.push_back(&entry);
  // Busiest first; ties in template order, so the output does not depend on the log's order.
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return a->second.seconds.size() > b->second.seconds.size();
  });
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& [key, s] = *order[i];
    if (i >= options.max_routes) {
      ++out.routes_left_out;
      out.requests_left_out += s.seconds.size();
      continue;
    }
    out.profile.routes.push_back(fit_route(key.first, key.second, requests_, s.seconds, s.step, s.truncated, s.bytes, s.statuses));
  }
  return out;
}

std::vector<std::string> describe_fit(const std::string& source, const std::string& format,
                                      const AccessLogScan& scan, const FitResult& fit) {
  std::vector<std::string> lines;
  lines.push_back("wpm profile from access log " + source + " (format: " + format + ")");
  lines.push_back("lines: " + std::to_string(scan.lines) + " read, " + std::to_string(scan.parsed) +
                  " parsed (" + percent(scan.parsed, scan.lines) + "), " + std::to_string(scan.skipped) +
                  " skipped");
  for (const AccessLogScan::Skipped& s : scan.first_skipped)
    lines.push_back("  skipped line " + std::to_string(s.line) + ": " + s.reason);
  if (scan.skipped > scan.first_skipped.size())
    lines.push_back("  ... and " + std::to_string(scan.skipped - scan.first_skipped.size()) + " more");
  lines.push_back("routes: " + std::to_string(fit.routes_seen) + " (method + template) from " +
                  std::to_string(fit.requests) + " requests");
  if (fit.routes_left_out)
    lines.push_back("  left out (--max-routes): " + std::to_string(fit.routes_left_out) + " routes, " +
                    std::to_string(fit.requests_left_out) + " requests (" +
                    percent(fit.requests_left_out, fit.requests) + ")");
  if (scan.first_time && scan.last_time) {
    double span = *scan.last_time - *scan.first_time;
    std::string rate = span > 0 ? ", " + format_fixed(static_cast<double>(scan.parsed) / span, 1) + " req/s" : "";
    lines.push_back("time span: " + utc_text(*scan.first_time) + " .. " + utc_text(*scan.last_time) + " (" +
                    format_fixed(span, 0) + " s" + rate + ")");
  } else {
    lines.push_back("time span: unknown (no %(t)s in the format)");
  }
  lines.push_back("request times go into io (an access log cannot tell CPU from waiting); cpu is 0");
  return lines;
}

}  // namespace wpm
