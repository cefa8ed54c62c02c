#include "reports/console_report.h"

#include "reports/format.h"
#include "reports/slo_report.h"

namespace wpm {
namespace {

uint64_t total_restarts(const ClassResult& c) {
  uint64_t n = 0;
  for (const auto& [reason, count] : c.master_restarts) n += count;
  return n;
}

std::string headline(const BenchResult& r) {
  std::string out = "wpm bench: " + std::to_string(r.classes.size()) + " worker class(es)";
  if (!r.classes.empty()) {
    const ClassResult& c = r.classes.front();
    out += ", " + format_fixed(c.duration_s, 1) + " s, " + std::to_string(c.connections) +
           " connections, " +
           (c.target_rate > 0 ? "open loop at " + format_rate(c.target_rate) + " req/s"
                              : std::string("closed loop"));
  }
  if (!r.environment.hostname.empty())
    out += " on " + r.environment.hostname + " (" + std::to_string(r.environment.cpus) + " CPUs)";
  if (r.interrupted) out += "  [INTERRUPTED: partial results]";
  return out + "\n\n";
}

std::string summary_table(const BenchResult& r) {
  TextTable t({"class", "req/s", "p50", "p90", "p99", "p99.9", "max", "errors", "restarts",
               "reconciled", "verdict"},
              {false, true, true, true, true, true, true, true, true, false, false});
  for (const ClassResult& c : r.classes) {
    const LatencySummary& l = c.latency;
    t.add_row({c.worker_class, format_rate(c.achieved_rate), format_seconds(l.p50_s),
               format_seconds(l.p90_s), format_seconds(l.p99_s), format_seconds(l.p999_s),
               format_seconds(l.max_s), std::to_string(total_errors(c.errors)),
               std::to_string(total_restarts(c)), c.reconciliation.ok ? "ok" : "MISMATCH",
               c.verdict.passed ? "passed" : "FAILED"});
  }
  return t.render();
}

std::string restarts_text(const ClassResult& c) {
  std::string out;
  for (const auto& [reason, n] : c.master_restarts)
    out += (out.empty() ? "" : ", ") + reason + " " + std::to_string(n);
  return out.empty() ? "none" : out;
}

std::string workers_table(const ClassResult& c) {
  TextTable t({"#", "worker_id", "state", "requests", "RSS", "CPU", "CPU time"},
              {true, false, false, true, true, true, true});
  for (const WorkerRow& w : c.workers)
    t.add_row({std::to_string(w.index), w.worker_id, std::string(to_string(w.state)),
               std::to_string(w.requests), format_bytes(w.rss_bytes),
               format_fixed(w.cpu_percent, 1) + "%", format_fixed(w.cpu_seconds, 2) + "s"});
  return t.render("    ");
}

std::string paths_table(const ClassResult& c) {
  TextTable t({"path", "count", "p50", "p90", "p99", "p99.9", "max"},
              {false, true, true, true, true, true, true});
  for (const PathLatency& p : c.paths) {
    const LatencySummary& l = p.latency;
    t.add_row({p.path, std::to_string(l.count), format_seconds(l.p50_s), format_seconds(l.p90_s),
               format_seconds(l.p99_s), format_seconds(l.p999_s), format_seconds(l.max_s)});
  }
  return t.render("    ");
}

std::string class_details(const ClassResult& c) {
  std::string out = c.worker_class + (c.target_url.empty() ? "" : "  " + c.target_url) + "\n";
  out += "  sent " + std::to_string(c.requests_sent) + ", responses " +
         std::to_string(c.responses) + ", " + format_bytes(c.bytes_read) + " read (" +
         format_bytes(static_cast<uint64_t>(c.read_bytes_per_s())) + "/s), " + format_bytes(c.bytes_written) +
         " written (" + format_bytes(static_cast<uint64_t>(c.written_bytes_per_s())) + "/s), mean " +
         format_seconds(c.latency.mean_s) + ", service p99 " + format_seconds(c.service.p99_s) +
         ", queue p99 " + format_seconds(c.queue.p99_s) + "\n";
  out += "  errors:    " + describe_errors(c.errors) + "\n";
  out += "  restarts:  " + restarts_text(c) + "\n";
  for (const InjectedEvent& e : c.events)
    out += "  event:     at " + format_fixed(e.fired_s, 2) + "s " + e.signal + " " + e.target +
           (e.delivered ? "" : " (NOT delivered)") + (e.effect.empty() ? "" : ": " + e.effect) +
           "\n";
  if (c.paths.size() > 1) out += "  latency by path:\n" + paths_table(c);
  if (!c.workers.empty()) out += "  workers:\n" + workers_table(c);
  out += std::string("  reconciliation: ") + (c.reconciliation.ok ? "ok" : "MISMATCH") +
         (c.reconciliation.verdict.empty() ? "" : ": " + c.reconciliation.verdict) + "\n";
  if (c.slo) out += "  slo:       " + describe_slo_search(*c.slo) + "\n";
  out += std::string("  verdict:   ") + (c.verdict.passed ? "passed" : "FAILED") + "\n";
  for (const std::string& reason : c.verdict.reasons) out += "    " + reason + "\n";
  return out;
}

}  // namespace

uint64_t total_errors(const ErrorCounts& e) {
  uint64_t n = e.transport();
  for (const auto& [code, count] : e.status) n += count;
  return n;
}

double error_ratio(const ClassResult& c) {
  uint64_t ended = c.responses + c.errors.transport();
  return ended == 0 ? 0 : static_cast<double>(total_errors(c.errors)) / static_cast<double>(ended);
}

std::string describe_errors(const ErrorCounts& e) {
  std::string out;
  auto add = [&](std::string_view kind, uint64_t n) {
    if (n == 0) return;
    out += (out.empty() ? "" : ", ") + std::string(kind) + " " + std::to_string(n);
  };
  add("connect", e.connect), add("write", e.write), add("read", e.read);
  add("reset", e.reset), add("timeout", e.timeout), add("parse", e.parse);
  for (const auto& [code, n] : e.status) add("HTTP " + std::to_string(code), n);
  return out.empty() ? "none" : out;
}

std::string render_console(const BenchResult& result) {
  std::string out = headline(result) + summary_table(result);
  for (const ClassResult& c : result.classes) out.append("\n").append(class_details(c));
  if (result.recommendation) out += "\nrecommendation: " + describe_recommendation(result) + "\n";
  return out;
}

}  // namespace wpm
