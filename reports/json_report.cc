#include "reports/json_report.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace wpm {
namespace {

using json = nlohmann::ordered_json;

json real(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json optional_real(const std::optional<double>& v) { return v ? real(*v) : json(nullptr); }

json latency_json(const LatencySummary& l) {
  json spectrum = json::array();
  for (const PercentilePoint& p : l.spectrum)
    spectrum.push_back({{"percentile", real(p.percentile)}, {"seconds", real(p.seconds)}});
  return {{"count", l.count},      {"min_s", real(l.min_s)},   {"mean_s", real(l.mean_s)},
          {"max_s", real(l.max_s)}, {"stdev_s", real(l.stdev_s)}, {"p50_s", real(l.p50_s)},
          {"p90_s", real(l.p90_s)}, {"p99_s", real(l.p99_s)},   {"p999_s", real(l.p999_s)},
          {"spectrum", std::move(spectrum)}};
}

std::string decimal(Uint128 v) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return out;
}

// Lossless: the layout, every non-zero bucket as [low_ns, width_ns, count], the exact moments
// (128-bit sums as decimal strings: JSON numbers lose integers above 2^53 in most readers).
json histogram_json(const std::optional<Histogram>& h) {
  if (!h) return nullptr;
  HistogramParts p = h->parts();
  json buckets = json::array();
  for (const auto& [index, n] : p.buckets)
    buckets.push_back(json::array({h->bucket_low(index), h->bucket_width(index), n}));
  return {{"layout", "log-linear"},      {"highest_ns", p.highest_ns},
          {"precision_bits", p.precision_bits}, {"count", p.count},
          {"clamped", p.clamped},        {"min_ns", p.min_ns},
          {"max_ns", p.max_ns},          {"sum_ns", decimal(p.sum_ns)},
          {"sum_squares_ns2", decimal(p.sum_squares_ns)}, {"buckets", std::move(buckets)}};
}

json histograms_json(const std::optional<ClassHistograms>& h) {
  if (!h) return nullptr;
  return {{"latency", histogram_json(h->latency)},
          {"service", histogram_json(h->service)},
          {"queue", histogram_json(h->queue)}};
}

json paths_json(const std::vector<PathLatency>& paths) {
  json out = json::array();
  for (const PathLatency& p : paths) {
    json latency = latency_json(p.latency);
    latency.erase("spectrum");
    out.push_back({{"path", p.path}, {"latency", std::move(latency)}, {"histogram", histogram_json(p.histogram)}});
  }
  return out;
}

json execution_json(const ExecutionInfo& e) {
  return {{"segment", std::to_string(e.segment_index) + "/" + std::to_string(e.segment_count)},
          {"segment_index", e.segment_index},
          {"segment_count", e.segment_count},
          {"inject_from", e.inject_from},
          {"start_at_unix_s", optional_real(e.start_at_unix_s)},
          {"merged_from", e.merged_from}};
}

json verdict_json(const Verdict& v) { return {{"passed", v.passed}, {"reasons", v.reasons}}; }

json times_json(const InjectionTimes& t) {
  return {{"signal_sent_s", optional_real(t.signal_sent)},
          {"worker_gone_s", optional_real(t.worker_gone)},
          {"replacement_spawned_s", optional_real(t.replacement_spawned)},
          {"replacement_ready_s", optional_real(t.replacement_ready)},
          {"first_request_s", optional_real(t.first_request)},
          {"effect_seen_s", optional_real(t.effect_seen)},
          {"exact", t.exact}};
}

const char* outcome_name(InjectionOutcome o) {
  switch (o) {
    case InjectionOutcome::not_fired: return "not_fired";
    case InjectionOutcome::not_delivered: return "not_delivered";
    case InjectionOutcome::no_effect_timeout: return "no_effect_timeout";
    case InjectionOutcome::effect_seen: return "effect_seen";
  }
  return "not_fired";
}

json gate_json(const GateResult& g) {
  json checks = json::array();
  for (const GateCheck& c : g.checks)
    checks.push_back({{"worker_class", c.worker_class}, {"check", c.check},
                      {"baseline", c.has_baseline ? real(c.baseline) : json(nullptr)},
                      {"current", real(c.current)}, {"limit", real(c.limit)}, {"failed", c.failed}});
  return {{"applied", g.applied}, {"passed", g.passed},       {"fail_on", g.fail_on},
          {"baseline", g.baseline_path}, {"checks", std::move(checks)}, {"notes", g.notes},
          {"scenario_warnings", g.warnings}};
}

json errors_json(const ErrorCounts& e) {
  json status = json::object();
  for (const auto& [code, n] : e.status) status[std::to_string(code)] = n;
  return {{"connect", e.connect}, {"write", e.write},     {"read", e.read},
          {"reset", e.reset},     {"timeout", e.timeout}, {"parse", e.parse},
          {"status", std::move(status)}};
}

// unix_s: the wall-clock start of each point, so timelines of several generators align.
json timeline_json(const std::vector<TimelinePoint>& points, double start_unix_s) {
  json out = json::array();
  for (const TimelinePoint& p : points)
    out.push_back({{"t_s", real(p.t_s)},
                   {"unix_s", start_unix_s > 0 ? real(start_unix_s + p.t_s) : json(nullptr)},
                   {"completed", p.completed}, {"errors", p.errors},
                   {"p99_s", real(p.p99_s)}, {"server_requests", p.server_requests}});
  return out;
}

json events_json(const std::vector<InjectedEvent>& events) {
  json out = json::array();
  for (const InjectedEvent& e : events)
    out.push_back({{"at_s", real(e.at_s)}, {"fired_s", real(e.fired_s)}, {"signal", e.signal},
                   {"target", e.target}, {"pid", e.pid}, {"delivered", e.delivered},
                   {"outcome", outcome_name(e.outcome)}, {"effect", e.effect},
                   {"times", times_json(e.times)}});
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
          {"ok", r.ok},                             {"verdict", r.verdict},
          {"server_before", optional_real(r.server_before)},
          {"server_after", optional_real(r.server_after)},
          {"before_unix_s", real(r.before_unix_s)}, {"after_unix_s", real(r.after_unix_s)}};
}

json slo_json(const std::optional<SloSearch>& slo) {
  if (!slo) return nullptr;
  json steps = json::array();
  for (const SloStep& s : slo->steps)
    steps.push_back({{"rate", real(s.rate)}, {"achieved_rate", real(s.achieved_rate)},
                     {"latency_s", real(s.latency_s)}, {"error_ratio", real(s.error_ratio)},
                     {"met", s.met}});
  return {{"objective", slo->objective}, {"met", slo->met}, {"max_rate", real(slo->max_rate)},
          {"steps", std::move(steps)}};
}

json recommendation_json(const std::optional<Recommendation>& r) {
  if (!r) return nullptr;
  return {{"objective", r->objective},
          {"worker_class", r->worker_class.empty() ? json(nullptr) : json(r->worker_class)},
          {"workers", r->workers}, {"threads", r->threads}, {"rate", real(r->rate)},
          {"ties", r->ties}, {"client_bound", r->client_bound}};
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
            {"bytes_read", c.bytes_read}, {"bytes_written", c.bytes_written},
            {"read_bytes_per_s", real(c.read_bytes_per_s())},
            {"written_bytes_per_s", real(c.written_bytes_per_s())}}},
          {"latency", latency_json(c.latency)},
          {"service", latency_json(c.service)},
          {"queue", latency_json(c.queue)},
          {"histograms", histograms_json(c.histograms)},
          {"measured_start_unix_s", real(c.measured_start_unix_s)},
          {"start_offset_s", optional_real(c.start_offset_s)},
          {"errors", errors_json(c.errors)},
          {"timeline_interval_s", real(c.interval_s)},
          {"timeline", timeline_json(c.timeline, c.measured_start_unix_s)},
          {"paths", paths_json(c.paths)},
          {"events", events_json(c.events)},
          {"workers", workers_json(c.workers)},
          {"master_restarts", std::move(restarts)},
          {"reconciliation", reconciliation_json(c.reconciliation)},
          {"verdict", verdict_json(c.verdict)},
          {"slo", slo_json(c.slo)},
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
              {"execution", execution_json(result.execution)},
              {"verdict", verdict_json(result.verdict)},
              {"gate", gate_json(result.gate)},
              {"recommendation", recommendation_json(result.recommendation)},
              {"environment",
               {{"wpm_version", env.wpm_version}, {"hostname", env.hostname},
                {"kernel", env.kernel}, {"started_utc", env.started_utc}, {"cpus", env.cpus}}},
              {"config", std::move(config)},
              {"classes", std::move(classes)}};
  // Replace invalid UTF-8 (a scraped label, a hostname) instead of throwing mid-report.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace wpm
