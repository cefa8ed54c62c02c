#include "reports/html_report.h"

#include <cmath>
#include <cstdio>

#include "reports/console_report.h"
#include "reports/format.h"
#include "reports/html_charts.h"
#include "reports/slo_report.h"
#include "reports/svg_chart.h"

namespace wpm {
namespace {

using svg::escape;

constexpr const char* kHead = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wpm bench report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; color: #222; background: #fff; margin: 24px 32px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: #555; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; font-weight: 600; } .bad { color: #c62828; font-weight: 600; }
.verdict { padding: 8px 12px; border-radius: 4px; margin: 6px 0 10px; }
.verdict.ok { background: #e6f4ea; } .verdict.bad { background: #fdecea; }
.banner { background: #fff4e5; border: 1px solid #f0b429; padding: 8px 12px; }
.swatch-cell { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: flex-start; }
svg.chart { background: #fff; overflow: visible; }
svg .grid { stroke: #e5e5e5; stroke-width: 1; } svg .frame { fill: none; stroke: #999; }
svg .tick, svg .legend { font-size: 11px; fill: #444; } svg .axis { font-size: 12px; fill: #333; }
svg .title { font-size: 13px; font-weight: 600; fill: #222; }
svg .marker { stroke: #555; stroke-dasharray: 4 3; stroke-width: 1.2; }
svg .marker-label { font-size: 11px; fill: #333; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; }
</style>
</head>
<body>
)";

std::string td(const std::string& text, bool number = false) {
  return std::string(number ? "<td class=\"n\">" : "<td>") + escape(text) + "</td>";
}

std::string reason_list(const std::vector<std::string>& reasons) {
  if (reasons.empty()) return "";
  std::string out = "<ul>";
  for (const std::string& reason : reasons) out += "<li>" + escape(reason) + "</li>";
  return out + "</ul>";
}

std::string verdict_banner(const Verdict& v) {
  return std::string("<div id=\"verdict\" class=\"verdict ") + (v.passed ? "ok\">Verdict: PASSED" : "bad\">Verdict: FAILED") +
         reason_list(v.reasons) + "</div>\n";
}

// Six significant digits: the checks mix seconds, req/s, counts and ratios.
std::string significant(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string gate_checks(const GateResult& g) {
  std::string out = "<table class=\"gate\"><tr><th>class</th><th>check</th><th class=\"n\">baseline</th>"
                    "<th class=\"n\">current</th><th class=\"n\">limit</th><th>result</th></tr>\n";
  for (const GateCheck& c : g.checks)
    out += "<tr>" + td(c.worker_class) + td(c.check) +
           td(c.has_baseline ? significant(c.baseline) : "-", true) + td(significant(c.current), true) +
           td(significant(c.limit), true) + "<td class=\"" + (c.failed ? "bad\">FAIL" : "ok\">ok") + "</td></tr>\n";
  return out + "</table>\n";
}

// The regression gate at the top: red or green, each check, and what makes it doubtful.
std::string gate_banner(const GateResult& g) {
  if (!g.applied) return "";
  std::string out = std::string("<div id=\"gate\" class=\"verdict ") + (g.passed ? "ok\">" : "bad\">") +
                    "Regression gate: " + (g.passed ? "PASSED" : "FAILED") + " — " +
                    escape("--fail-on '" + g.fail_on + "'" +
                           (g.baseline_path.empty() ? ", no baseline" : " against " + g.baseline_path)) +
                    gate_checks(g);
  for (const std::string& w : g.warnings) out += "<p class=\"banner\">Scenario mismatch: " + escape(w) + "</p>";
  for (const std::string& n : g.notes) out += "<p>Note: " + escape(n) + "</p>";
  return out + "</div>\n";
}

// With --slo: the class to pick, and each class's search.
std::string slo_banner(const BenchResult& r) {
  if (!r.recommendation) return "";
  bool picked = !r.recommendation->worker_class.empty();
  std::string out = std::string("<div id=\"slo\" class=\"verdict ") + (picked ? "ok" : "bad") +
                    "\">Recommendation: " + escape(describe_recommendation(r)) + "<ul>";
  for (const ClassResult& c : r.classes)
    if (c.slo) out += "<li>" + escape(c.worker_class + " " + describe_slo_search(*c.slo)) + "</li>";
  return out + "</ul></div>\n";
}

std::string header(const BenchResult& r) {
  const BenchEnvironment& e = r.environment;
  std::string out = "<h1>wpm bench report</h1>\n<p class=\"meta\">" +
                    escape("started " + e.started_utc + " on " + e.hostname + " (" + e.kernel +
                           ", " + std::to_string(e.cpus) + " CPUs), wpm " + e.wpm_version) +
                    "</p>\n";
  if (r.interrupted)
    out += "<p class=\"banner\">Interrupted: this report holds partial results.</p>\n";
  return out + verdict_banner(r.verdict) + gate_banner(r.gate) + slo_banner(r);
}

std::string summary_table(const BenchResult& r) {
  std::string out =
      "<h2>Summary</h2>\n<table id=\"summary\"><tr><th>class</th><th class=\"n\">req/s</th>"
      "<th class=\"n\">p50</th><th class=\"n\">p90</th><th class=\"n\">p99</th>"
      "<th class=\"n\">p99.9</th><th class=\"n\">max</th><th class=\"n\">errors</th>"
      "<th class=\"n\">restarts</th><th>reconciliation</th><th>verdict</th></tr>\n";
  for (size_t i = 0; i < r.classes.size(); ++i) {
    const ClassResult& c = r.classes[i];
    uint64_t restarts = 0;
    for (const auto& [reason, n] : c.master_restarts) restarts += n;
    out += "<tr><td><span class=\"swatch-cell\" style=\"background:" + class_color(i) + "\"></span>" +
           escape(c.worker_class) + "</td>" + td(format_rate(c.achieved_rate), true) +
           td(format_seconds(c.latency.p50_s), true) + td(format_seconds(c.latency.p90_s), true) +
           td(format_seconds(c.latency.p99_s), true) + td(format_seconds(c.latency.p999_s), true) +
           td(format_seconds(c.latency.max_s), true) + td(std::to_string(total_errors(c.errors)), true) +
           td(std::to_string(restarts), true) + "<td class=\"" +
           (c.reconciliation.ok ? "ok\">OK" : "bad\">MISMATCH") + "</td><td class=\"" +
           (c.verdict.passed ? "ok\">passed" : "bad\">FAILED") + "</td></tr>\n";
  }
  return out + "</table>\n";
}

// A step of an injection as "+12.3 ms" after the signal, or "-".
std::string step(const InjectedEvent& e, const std::optional<double>& t) {
  if (!t || !e.times.signal_sent) return "-";
  return "+" + format_seconds(*t - *e.times.signal_sent);
}

std::string dip_text(const ClassResult& c, const InjectedEvent& e) {
  if (!e.times.signal_sent) return "-";
  DipRecovery d = dip_and_recovery(c, *e.times.signal_sent);
  if (!d.measured) return "-";
  return format_rate(d.before_rps) + " → " + format_rate(d.low_rps) + " req/s, " +
         (std::isnan(d.recovered_s) ? "not recovered in 3 s" : "recovered +" + format_seconds(d.recovered_s));
}

std::string events_table(const ClassResult& c, const std::string& color) {
  if (c.events.empty()) return "<p>No signals injected.</p>\n";
  std::string out = "<table class=\"events\"><tr><th class=\"n\">planned</th><th class=\"n\">fired</th>"
                    "<th>signal</th><th>target</th><th class=\"n\">pid</th><th class=\"n\">death</th>"
                    "<th class=\"n\">spawn</th><th class=\"n\">ready</th><th class=\"n\">first request</th>"
                    "<th>throughput dip</th><th>effect</th></tr>\n";
  for (const InjectedEvent& e : c.events)
    out += "<tr>" + td(format_fixed(e.at_s, 2) + "s", true) +
           td(e.delivered ? format_fixed(e.fired_s, 3) + "s" : "not delivered", true) +
           td(e.signal) + td(e.target) + td(std::to_string(e.pid), true) +
           td(step(e, e.times.worker_gone), true) + td(step(e, e.times.replacement_spawned), true) +
           td(step(e, e.times.replacement_ready), true) + td(step(e, e.times.first_request), true) +
           td(dip_text(c, e)) + td(e.effect) + "</tr>\n";
  out += "</table>\n<p class=\"meta\">Steps after the signal: " +
         std::string(c.events.empty() || !c.events.front().times.exact
                         ? "as first seen by polling the pool every 20 ms."
                         : "the master's own records (death = reaped).") + "</p>\n";
  std::string charts;
  for (const InjectedEvent& e : c.events) charts += injection_chart(c, e, color);
  return out + (charts.empty() ? "" : "<div class=\"charts\">" + charts + "</div>\n");
}

std::string paths_table(const ClassResult& c) {
  if (c.paths.empty()) return "";
  std::string out = "<h3>Latency by path</h3>\n<table class=\"paths\"><tr><th>path</th><th class=\"n\">count</th>"
                    "<th class=\"n\">p50</th><th class=\"n\">p90</th><th class=\"n\">p99</th>"
                    "<th class=\"n\">p99.9</th><th class=\"n\">max</th></tr>\n";
  for (const PathLatency& p : c.paths) {
    const LatencySummary& l = p.latency;
    out += "<tr>" + td(p.path) + td(std::to_string(l.count), true) + td(format_seconds(l.p50_s), true) +
           td(format_seconds(l.p90_s), true) + td(format_seconds(l.p99_s), true) +
           td(format_seconds(l.p999_s), true) + td(format_seconds(l.max_s), true) + "</tr>\n";
  }
  return out + "</table>\n";
}

std::string class_section(const ClassResult& c, size_t index) {
  const Reconciliation& r = c.reconciliation;
  std::string ok = r.ok ? "ok" : "bad";
  std::string out = "<section class=\"class\" id=\"class-" + std::to_string(index) + "\">\n<h2>" +
                    escape(c.worker_class) + "</h2>\n<p class=\"meta\">" +
                    escape(c.target_url + " · " + std::to_string(c.connections) + " connections · " +
                           format_fixed(c.duration_s, 1) + " s · sent " +
                           std::to_string(c.requests_sent) + ", responses " +
                           std::to_string(c.responses)) + "</p>\n";
  out += "<div class=\"verdict " + ok + "\">Reconciliation: " + (r.ok ? "OK" : "MISMATCH") + " — " +
         escape(r.verdict) + "<br>" +
         escape("client completed " + std::to_string(r.client_completed) + ", client failed " +
                std::to_string(r.client_failed) + ", server counted " +
                std::to_string(r.server_delta) + (r.aborts_injected ? " (aborts injected)" : "")) +
         "</div>\n";
  if (!c.verdict.passed)
    out += "<div class=\"verdict bad\">Verdict: FAILED" + reason_list(c.verdict.reasons) + "</div>\n";
  out += "<div class=\"charts\">" + timeline_charts(c, class_color(index)) + "</div>\n";
  out += paths_table(c);
  out += "<h3>Injected signals</h3>\n" + events_table(c, class_color(index));
  out += "<h3>Errors</h3>\n<p>" + escape(describe_errors(c.errors)) + "</p>\n";
  out += "<h3>Workers</h3>\n<div class=\"charts\">" + worker_charts(c, class_color(index)) + "</div>\n";
  return out + "</section>\n";
}

std::string config_table(const BenchResult& r) {
  std::string out = "<h2>Configuration</h2>\n<table id=\"config\">\n";
  for (const auto& [k, v] : r.config) out += "<tr>" + td(k) + td(v) + "</tr>\n";
  return out + "</table>\n";
}

}  // namespace

std::string render_bench_html(const BenchResult& result) {
  std::string out = kHead + header(result) + summary_table(result);
  out += "<h2>Latency spectrum</h2>\n<div class=\"charts\">" + spectrum_chart(result) + "</div>\n";
  for (size_t i = 0; i < result.classes.size(); ++i) out += class_section(result.classes[i], i);
  out += config_table(result);
  return out + "</body>\n</html>\n";
}

}  // namespace wpm
