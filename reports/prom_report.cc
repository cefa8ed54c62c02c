#include "reports/prom_report.h"

#include <map>
#include <string_view>

#include "core/prom_text.h"
#include "reports/bench_families.h"
#include "reports/console_report.h"
#include "reports/scrape_merge.h"

namespace wpm {
namespace {

// The samples of one bench family for one class: worker_class, plus in a two-label family its
// other label (percentile, kind, code, reason, worker_index or signal).
class ClassSamples {
 public:
  ClassSamples(ExpoFamily& f, std::string_view cls)
      : f_(f), cls_(cls), cls_at_(f.label(kWorkerClassLabel)), key_at_(cls_at_ == 0 ? 1 : 0) {}

  void put(double value) { f_.add(value).labels[cls_at_] = cls_; }
  void put(std::string_view key, double value) {
    ExpoSample& s = f_.add(value);
    s.labels[cls_at_] = cls_;
    s.labels[key_at_] = key;
  }
  // For keys made on the spot (numbers as text, local maps): the family keeps them.
  void put_kept(std::string key, double value) { put(f_.keep(std::move(key)), value); }
  // A three-label family (worker_class, path, percentile).
  void put(std::string_view path, std::string_view percentile, double value) {
    ExpoSample& s = f_.add(value);
    s.labels[cls_at_] = cls_;
    s.labels[f_.label("path")] = path;
    s.labels[f_.label("percentile")] = percentile;
  }

 private:
  ExpoFamily& f_;
  std::string_view cls_;
  size_t cls_at_, key_at_;
};

double d(uint64_t v) { return static_cast<double>(v); }

void percentiles(ClassSamples& w, const LatencySummary& l) {
  const std::pair<std::string_view, double> points[] = {
      {"0", l.min_s},   {"50", l.p50_s},   {"90", l.p90_s},
      {"99", l.p99_s}, {"99.9", l.p999_s}, {"100", l.max_s}};
  for (const auto& [p, v] : points) w.put(p, v);
}

void path_percentiles(ClassSamples& w, const std::vector<PathLatency>& paths) {
  for (const PathLatency& p : paths) {
    const LatencySummary& l = p.latency;
    const std::pair<std::string_view, double> points[] = {
        {"50", l.p50_s}, {"90", l.p90_s}, {"99", l.p99_s}, {"99.9", l.p999_s}, {"100", l.max_s}};
    for (const auto& [q, v] : points) w.put(p.path, q, v);
  }
}

void errors(ClassSamples& w, const ErrorCounts& e) {
  const std::pair<std::string_view, uint64_t> kinds[] = {
      {"connect", e.connect}, {"write", e.write},     {"read", e.read},
      {"reset", e.reset},     {"timeout", e.timeout}, {"parse", e.parse}};
  for (const auto& [kind, n] : kinds) w.put(kind, d(n));
}

// The workers at the end, one per index: a live worker wins over an exited one it replaced.
std::map<uint32_t, const WorkerRow*> workers_by_index(const ClassResult& c) {
  std::map<uint32_t, const WorkerRow*> out;
  for (const WorkerRow& w : c.workers) {
    auto [it, inserted] = out.emplace(w.index, &w);
    if (!inserted && it->second->state == WorkerState::exited) it->second = &w;
  }
  return out;
}

void class_family(ClassSamples& w, BenchFamily id, const ClassResult& c) {
  switch (id) {
    case BenchFamily::duration: w.put(c.duration_s); break;
    case BenchFamily::connections: w.put(c.connections); break;
    case BenchFamily::target_rate: w.put(c.target_rate); break;
    case BenchFamily::achieved_rate: w.put(c.achieved_rate); break;
    case BenchFamily::requests_sent: w.put(d(c.requests_sent)); break;
    case BenchFamily::responses: w.put(d(c.responses)); break;
    case BenchFamily::response_bytes: w.put(d(c.bytes_read)); break;
    case BenchFamily::request_bytes: w.put(d(c.bytes_written)); break;
    case BenchFamily::response_bytes_rate: w.put(c.read_bytes_per_s()); break;
    case BenchFamily::request_bytes_rate: w.put(c.written_bytes_per_s()); break;
    case BenchFamily::latency: percentiles(w, c.latency); break;
    case BenchFamily::latency_mean: w.put(c.latency.mean_s); break;
    case BenchFamily::service_latency: percentiles(w, c.service); break;
    case BenchFamily::queue_latency: percentiles(w, c.queue); break;
    case BenchFamily::errors: errors(w, c.errors); break;
    case BenchFamily::error_responses:
      for (const auto& [code, n] : c.errors.status) w.put_kept(std::to_string(code), d(n));
      break;
    case BenchFamily::failed_requests: w.put(d(c.reconciliation.client_failed)); break;
    case BenchFamily::server_requests: w.put(d(c.reconciliation.server_delta)); break;
    case BenchFamily::reconciled: w.put(c.reconciliation.ok ? 1 : 0); break;
    case BenchFamily::worker_restarts:
      for (const auto& [reason, n] : c.master_restarts) w.put(reason, d(n));
      break;
    case BenchFamily::worker_memory:
    case BenchFamily::worker_cpu:
      for (const auto& [index, wf] : workers_by_index(c))
        w.put_kept(std::to_string(index),
                   id == BenchFamily::worker_memory ? d(wf->rss_bytes) : wf->cpu_percent);
      break;
    case BenchFamily::injected_signals: {
      std::map<std::string, uint64_t> by_signal;
      for (const InjectedEvent& e : c.events) by_signal[e.signal] += e.delivered ? 1 : 0;
      for (const auto& [signal, n] : by_signal) w.put_kept(signal, d(n));
      break;
    }
    case BenchFamily::path_latency: path_percentiles(w, c.paths); break;
    case BenchFamily::error_ratio: w.put(error_ratio(c)); break;
    case BenchFamily::verdict: w.put(c.verdict.passed ? 1 : 0); break;
    case BenchFamily::slo_max_rate: if (c.slo) w.put(c.slo->max_rate); break;
    case BenchFamily::slo_met: if (c.slo) w.put(c.slo->met ? 1 : 0); break;
    default: break;  // run families: run_family(); slo_recommended: render_bench_gauges()
  }
}

double gate_value(BenchFamily id, const GateCheck& c) {
  switch (id) {
    case BenchFamily::gate_check_failed: return c.failed ? 1 : 0;
    case BenchFamily::gate_check_baseline: return c.baseline;
    case BenchFamily::gate_check_current: return c.current;
    default: return c.limit;
  }
}

// The families that describe the whole run: one sample, or one per gate check.
void run_family(ExpoFamily& f, BenchFamily id, const BenchResult& r) {
  const GateResult& g = r.gate;
  switch (id) {
    case BenchFamily::interrupted: f.add(r.interrupted ? 1 : 0); break;
    case BenchFamily::run_passed: f.add(r.verdict.passed && g.passed ? 1 : 0); break;
    case BenchFamily::gate_applied: f.add(g.applied ? 1 : 0); break;
    case BenchFamily::gate_passed: f.add(g.passed ? 1 : 0); break;
    case BenchFamily::gate_scenario_mismatch: f.add(d(g.warnings.size())); break;
    default:
      for (const GateCheck& c : g.checks) {
        if (id == BenchFamily::gate_check_baseline && !c.has_baseline) continue;
        ExpoSample& s = f.add(gate_value(id, c));
        s.labels[f.label(kWorkerClassLabel)] = c.worker_class;
        s.labels[f.label("check")] = c.check;
      }
  }
}

}  // namespace

std::vector<std::string> class_label_values(const BenchResult& result) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;
  for (const ClassResult& c : result.classes) {
    std::string name = c.worker_class.empty() ? "unnamed" : c.worker_class;
    int n = ++seen[name];
    out.push_back(n == 1 ? name : name + "#" + std::to_string(n));
  }
  return out;
}

std::string render_bench_gauges(const BenchResult& result) {
  std::string out;
  std::vector<std::string> names = class_label_values(result);
  for (const BenchFamilyDef& def : bench_family_table()) {
    ExpoFamily f = make_family(def);
    if (is_run_family(def.id)) {
      run_family(f, def.id, result);
    } else {
      for (size_t i = 0; i < result.classes.size(); ++i) {
        ClassSamples w(f, names[i]);
        if (def.id == BenchFamily::slo_recommended && result.recommendation)
          w.put(result.recommendation->worker_class == result.classes[i].worker_class ? 1 : 0);
        class_family(w, def.id, result.classes[i]);
      }
    }
    append_family(out, f);
  }
  return out;
}

std::string render_bench_prometheus(const BenchResult& result) {
  std::string out = render_bench_gauges(result);
  std::vector<std::string> names = class_label_values(result);
  std::vector<ScrapeInput> scrapes;
  for (size_t i = 0; i < result.classes.size(); ++i)
    scrapes.push_back({names[i], result.classes[i].final_scrape});
  out += merge_scrapes(scrapes, kBenchFamilyPrefix);
  return out;
}

}  // namespace wpm
