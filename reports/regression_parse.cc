// parse_fail_on: the --fail-on expression language described in regression.h.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "core/text.h"
#include "reports/regression.h"

namespace wpm {
namespace {

struct MetricName {
  std::string_view name;
  GateMetric metric;
};
constexpr std::array<MetricName, 12> kMetricNames{{
    {"rps", GateMetric::rps},       {"throughput", GateMetric::rps}, {"p50", GateMetric::p50},
    {"median", GateMetric::p50},    {"p90", GateMetric::p90},        {"p99", GateMetric::p99},
    {"p999", GateMetric::p999},     {"p99.9", GateMetric::p999},     {"max", GateMetric::max},
    {"mean", GateMetric::mean},     {"errors", GateMetric::errors},
    {"error_rate", GateMetric::error_rate},
}};

struct Unit {
  std::string_view suffix;
  double scale;
};
constexpr std::array<Unit, 5> kTimeUnits{{{"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3}, {"s", 1}}};

bool is_latency(GateMetric m) {
  return m != GateMetric::rps && m != GateMetric::errors && m != GateMetric::error_rate;
}

Error usage(std::string_view term, const std::string& why) {
  return Error{"--fail-on: '" + std::string(term) + "': " + why, kExitUsage};
}

// Applies the unit (or %) after the number to `t`; returns the reason on failure.
std::string apply_unit(std::string_view unit, Threshold& t) {
  if (unit == "%") {
    if (!t.relative && t.metric != GateMetric::error_rate)
      return "a percentage needs a sign (+10% or -5%): it is relative to the baseline";
    t.percent = true;
    t.value /= 100;
    return {};
  }
  if (t.metric == GateMetric::error_rate) return "error_rate takes a percentage, e.g. 1% or +50%";
  if (!is_latency(t.metric)) return unit.empty() ? "" : "unexpected unit '" + std::string(unit) + "'";
  for (const Unit& u : kTimeUnits)
    if (unit == u.suffix) { t.value *= u.scale; return {}; }
  return unit.empty() ? "a latency needs a unit (ns, us, ms, s) or a percentage"
                      : "unknown unit '" + std::string(unit) + "' (ns, us, ms, s or %)";
}

Result<Threshold> parse_term(std::string_view term) {
  Threshold t;
  t.text = std::string(term);
  size_t op = term.find_first_of("<>");
  if (op == std::string_view::npos) return usage(term, "expected METRIC>VALUE or METRIC<VALUE");
  std::string_view name = trim_blanks(term.substr(0, op));
  auto m = std::find_if(kMetricNames.begin(), kMetricNames.end(),
                        [&](const MetricName& n) { return n.name == name; });
  if (m == kMetricNames.end())
    return usage(term, "unknown metric '" + std::string(name) +
                           "' (rps, p50, p90, p99, p999, max, mean, errors, error_rate)");
  t.metric = m->metric;
  t.above = term[op] == '>';
  std::string_view v = trim_blanks(term.substr(op + 1));
  t.relative = !v.empty() && (v[0] == '+' || v[0] == '-');
  bool negative = !v.empty() && v[0] == '-';
  if (t.relative) v.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), t.value);
  if (ec != std::errc() || !std::isfinite(t.value) || v.empty() || v[0] == '-')
    return usage(term, "expected a number after '" + std::string(1, term[op]) + "'");
  if (negative) t.value = -t.value;
  std::string why = apply_unit(trim_blanks(std::string_view(ptr, v.data() + v.size() - ptr)), t);
  if (!why.empty()) return usage(term, why);
  return t;
}

}  // namespace

Result<std::vector<Threshold>> parse_fail_on(std::string_view expr) {
  std::vector<Threshold> out;
  size_t pos = 0;
  while (pos <= expr.size()) {
    size_t end = std::min(expr.find_first_of(",;", pos), expr.size());
    std::string_view term = trim_blanks(expr.substr(pos, end - pos));
    pos = end + 1;
    if (term.empty()) continue;
    Result<Threshold> t = parse_term(term);
    if (!t.ok()) return t.error();
    out.push_back(std::move(*t));
  }
  if (out.empty()) return Error{"--fail-on: no threshold in '" + std::string(expr) + "'", kExitUsage};
  return out;
}

bool needs_baseline(const std::vector<Threshold>& thresholds) {
  return std::any_of(thresholds.begin(), thresholds.end(),
                     [](const Threshold& t) { return t.relative; });
}

}  // namespace wpm
