#include "reports/json_report.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace wpm {
namespace {

using json = nlohmann::ordered_json;

json real(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json latency_json(const LatencySummary& l) {
  json spectrum = json::array();
  for (const PercentilePoint& p : l.spectrum)
    spectrum.push_back({{"percentile", real(p.percentile)}, {"seconds", real(p.seconds)}});
  return {{"count", l.count},      {"min_s", real(l.min_s)},   {"mean_s", real(l.mean_s)},
          {"max_s", real(l.max_s)}, {"stdev_s", real(l.stdev_s)}, {"p50_s", real(l.p50_s)},
          {"p90_s", real(l.p90_s)}, {"p99_s", real(l.p99_s)},   {"p999_s", real(l.p999_s)},
          {"spectrum", std::move(spectrum)}};
}

json errors_json(const ErrorCounts& e) {
  json status = json::object();
  for (const auto& [code, n] : e.status) status[std::to_string(code)] = n;
  return {{"connect", e.connect}, {"write", e.write},     {"read", e.read},
          {"reset", e.reset},     {"timeout", e.timeout}, {"parse", e.parse},
          {"status", std::move(status)}};
}

json timeline_json(const std::vector<TimelinePoint>& points) {
  json out = json::array();
  for (const TimelinePoint& p : points)
    out.push_back({{"t_s", real(p.t_s)}, {"completed", p.completed}, {"errors", p.errors},
                   {"p99_s", real(p.p99_s)}, {"server_requests", p.server_requests}});
  return out;
}

json events_json(const std::vector<InjectedEvent>& events) {
  json out = json::array();
  for (const InjectedEvent& e : events)
    out.push_back({{"at_s", real(e.at_s)}, {"fired_s", real(e.fired_s)}, {"signal", e.signal},
                   {"target", e.target}, {"pid", e.pid}, {"delivered", e.delivered},
                   {"effect", e.effect}});
  return out;
}

json workers_json(const std::vector<WorkerRow>& workers) {
  json out = json::array();
  for (const WorkerRow& w : workers)
    out.push_back({{"worker_id", w.worker_id}, {"index", w.index}, {"state", std::string(to_string(w.state))},
                   {"requests", w.requests}, {"rss_bytes", w.rss_bytes},
                   {"cpu_percent", real(w.cpu_percent)}, {"cpu_seconds", real(w.cpu_seconds)}});
  return out;
}

json reconciliation_json(const Reconciliation& r) {
  return {{"client_completed", r.client_completed}, {"client_failed", r.client_failed},
          {"server_delta", r.server_delta},         {"aborts_injected", r.aborts_injected},
          {"ok", r.ok},                             {"verdict", r.verdict}};
}

json class_json(const ClassResult& c) {
  json restarts = json::object();
  for (const auto& [reason, n] : c.master_restarts) restarts[reason] = n;
  return {{"worker_class", c.worker_class},
          {"target_url", c.target_url},
          {"summary",
           {{"duration_s", real(c.duration_s)}, {"connections", c.connections},
            {"target_rate", real(c.target_rate)}, {"achieved_rate", real(c.achieved_rate)},
            {"requests_sent", c.requests_sent}, {"responses", c.responses},
            {"bytes_read", c.bytes_read}}},
          {"latency", latency_json(c.latency)},
          {"service", latency_json(c.service)},
          {"queue", latency_json(c.queue)},
          {"errors", errors_json(c.errors)},
          {"timeline", timeline_json(c.timeline)},
          {"events", events_json(c.events)},
          {"workers", workers_json(c.workers)},
          {"master_restarts", std::move(restarts)},
          {"reconciliation", reconciliation_json(c.reconciliation)},
          {"final_scrape", c.final_scrape}};
}

}  // namespace

std::string render_bench_json(const BenchResult& result) {
  const BenchEnvironment& env = result.environment;
  json config = json::object();
  for (const auto& [k, v] : result.config) config[k] = v;
  json classes = json::array();
  for (const ClassResult& c : result.classes) classes.push_back(class_json(c));
  json doc = {{"schema_version", result.schema_version},
              {"interrupted", result.interrupted},
              {"environment",
               {{"wpm_version", env.wpm_version}, {"hostname", env.hostname},
                {"kernel", env.kernel}, {"started_utc", env.started_utc}, {"cpus", env.cpus}}},
              {"config", std::move(config)},
              {"classes", std::move(classes)}};
  // Replace invalid UTF-8 (a scraped label, a hostname) instead of throwing mid-report.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace wpm
