#include "reports/regression.h"

#include <cmath>

#include "reports/console_report.h"
#include "reports/format.h"

namespace wpm {
namespace {

double metric_value(const ClassResult& c, GateMetric m) {
  switch (m) {
    case GateMetric::rps: return c.achieved_rate;
    case GateMetric::p50: return c.latency.p50_s;
    case GateMetric::p90: return c.latency.p90_s;
    case GateMetric::p99: return c.latency.p99_s;
    case GateMetric::p999: return c.latency.p999_s;
    case GateMetric::max: return c.latency.max_s;
    case GateMetric::mean: return c.latency.mean_s;
    case GateMetric::errors: return static_cast<double>(total_errors(c.errors));
    case GateMetric::error_rate:
      return c.requests_sent == 0 ? 0
                                  : static_cast<double>(total_errors(c.errors)) /
                                        static_cast<double>(c.requests_sent);
  }
  return 0;
}

std::string show(GateMetric m, double v) {
  switch (m) {
    case GateMetric::rps: return format_rate(v);
    case GateMetric::errors: return format_fixed(v, 0);
    case GateMetric::error_rate: return format_fixed(v * 100, 2) + "%";
    default: return format_seconds(v);
  }
}

double limit_of(const Threshold& t, double baseline) {
  if (!t.relative) return t.value;
  return t.percent ? baseline * (1 + t.value) : baseline + t.value;
}

const ClassResult* find_class(const BenchResult& r, const std::string& name) {
  for (const ClassResult& c : r.classes)
    if (c.worker_class == name) return &c;
  return nullptr;
}

void check_class(const ClassResult& c, const ClassResult* base,
                 const std::vector<Threshold>& thresholds, GateReport& report) {
  for (const Threshold& t : thresholds) {
    if (t.relative && base == nullptr) continue;  // noted once per class by the caller
    GateRow row{c.worker_class, t.text, 0, metric_value(c, t.metric), 0, base != nullptr, false};
    if (base != nullptr) row.baseline = metric_value(*base, t.metric);
    row.limit = limit_of(t, row.baseline);
    // NaN never passes: an unmeasured value cannot prove there is no regression.
    row.failed = std::isnan(row.current) || (t.above ? row.current > row.limit : row.current < row.limit);
    report.passed = report.passed && !row.failed;
    report.rows.push_back(std::move(row));
  }
}

std::string render_table(const GateReport& report, const std::vector<Threshold>& thresholds) {
  TextTable table({"class", "check", "baseline", "current", "change", "limit", "result"},
                  {false, false, true, true, true, true, false});
  size_t failed = 0;
  for (const GateRow& r : report.rows) {
    GateMetric m = GateMetric::p99;
    for (const Threshold& t : thresholds)
      if (t.text == r.check) m = t.metric;
    std::string change = !r.has_baseline ? "" :
                         r.baseline == 0 ? (r.current == 0 ? "+0.0%" : "new")
                                         : format_percent_change(r.current / r.baseline - 1);
    table.add_row({r.worker_class, r.check, r.has_baseline ? show(m, r.baseline) : "-",
                   show(m, r.current), change, show(m, r.limit), r.failed ? "FAIL" : "ok"});
    failed += r.failed ? 1 : 0;
  }
  std::string out = table.render();
  for (const std::string& n : report.notes) out += "note: " + n + "\n";
  for (const std::string& w : report.warnings) out += "WARNING: " + w + "\n";
  out += "regression gate: " + std::string(report.passed ? "passed" : "FAILED") + " (" +
         std::to_string(failed) + " of " + std::to_string(report.rows.size()) +
         " check(s) failed)\n";
  return out;
}

std::string config_of(const BenchResult& r, const std::string& key) {
  auto it = r.config.find(key);
  return it == r.config.end() ? "" : it->second;
}

std::string class_list(const BenchResult& r) {
  std::string out;
  for (const ClassResult& c : r.classes) out += (out.empty() ? "" : ",") + c.worker_class;
  return out;
}

}  // namespace

std::vector<std::string> scenario_differences(const BenchResult& current, const BenchResult& baseline) {
  std::vector<std::string> out;
  auto compare = [&](const std::string& what, const std::string& now, const std::string& then) {
    if (now != then)
      out.push_back("the baseline ran other " + what + " (" + (then.empty() ? "none" : then) +
                    ", now " + (now.empty() ? "none" : now) + ")");
  };
  compare("worker classes", class_list(current), class_list(baseline));
  // The config section is keyed by TOML key since schema 2; a schema-1 baseline has the older
  // names on the right (and formats some values differently, which then shows as a warning).
  struct Key {
    const char* key;
    const char* v1_key;
    const char* what;
  };
  const Key keys[] = {{"load.paths", "paths", "paths"},
                      {"load.duration", "duration_s", "duration"},
                      {"load.rate", "rate", "rate (req/s)"},
                      {"load.connections", "connections", "connections"},
                      {"pool.workers", "workers", "workers per pool"},
                      {"inject.events", "injects", "injected signals"}};
  auto value = [](const BenchResult& r, const Key& k) {
    return r.config.count(k.key) ? config_of(r, k.key) : config_of(r, k.v1_key);
  };
  for (const Key& k : keys) compare(k.what, value(current, k), value(baseline, k));
  return out;
}

GateReport regression_gate(const BenchResult& current, const BenchResult* baseline,
                           const std::vector<Threshold>& thresholds) {
  GateReport report;
  for (const ClassResult& c : current.classes) {
    const ClassResult* base = baseline ? find_class(*baseline, c.worker_class) : nullptr;
    if (base == nullptr && needs_baseline(thresholds))
      report.notes.push_back(c.worker_class + ": " +
                             (baseline ? "not in the baseline" : "no baseline given") +
                             ", relative checks skipped");
    check_class(c, base, thresholds, report);
  }
  if (baseline != nullptr) {
    for (const ClassResult& b : baseline->classes)
      if (find_class(current, b.worker_class) == nullptr)
        report.notes.push_back(b.worker_class + ": in the baseline but not in this run");
    report.warnings = scenario_differences(current, *baseline);
  }
  report.table = render_table(report, thresholds);
  return report;
}

}  // namespace wpm
