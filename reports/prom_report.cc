#include "reports/prom_report.h"

#include <map>
#include <string_view>

#include "core/exposition.h"
#include "reports/bench_families.h"
#include "reports/scrape_merge.h"

namespace wpm {
namespace {

using Label = std::pair<std::string_view, std::string>;

class GaugeWriter {
 public:
  explicit GaugeWriter(std::string& out) : out_(out) {}

  void family(const BenchFamilyDef& def) {
    def_ = &def;
    out_.append("# HELP ").append(def.name).append(" ").append(def.help).append("\n");
    out_.append("# TYPE ").append(def.name).append(" gauge\n");
  }

  // `values` line up with the family's label names.
  void sample(std::initializer_list<std::string_view> values, double value) {
    out_.append(def_->name);
    if (!def_->labels.empty()) {
      out_.push_back('{');
      size_t i = 0;
      for (std::string_view v : values) {
        if (i > 0) out_.push_back(',');
        out_.append(def_->labels[i++]).append("=\"");
        append_escaped_label_value(out_, v);
        out_.push_back('"');
      }
      out_.push_back('}');
    }
    out_.push_back(' ');
    append_number(out_, value);
    out_.push_back('\n');
  }

 private:
  std::string& out_;
  const BenchFamilyDef* def_ = nullptr;
};

double d(uint64_t v) { return static_cast<double>(v); }

void percentiles(GaugeWriter& w, std::string_view cls, const LatencySummary& l) {
  const std::pair<std::string_view, double> points[] = {
      {"0", l.min_s},   {"50", l.p50_s},   {"90", l.p90_s},
      {"99", l.p99_s}, {"99.9", l.p999_s}, {"100", l.max_s}};
  for (const auto& [p, v] : points) w.sample({cls, p}, v);
}

void errors(GaugeWriter& w, std::string_view cls, const ErrorCounts& e) {
  const std::pair<std::string_view, uint64_t> kinds[] = {
      {"connect", e.connect}, {"write", e.write},     {"read", e.read},
      {"reset", e.reset},     {"timeout", e.timeout}, {"parse", e.parse}};
  for (const auto& [kind, n] : kinds) w.sample({cls, kind}, d(n));
}

// The workers at the end, one per index: a live worker wins over an exited one it replaced.
std::map<uint32_t, const WorkerFinal*> workers_by_index(const ClassResult& c) {
  std::map<uint32_t, const WorkerFinal*> out;
  for (const WorkerFinal& w : c.workers) {
    auto [it, inserted] = out.emplace(w.index, &w);
    if (!inserted && it->second->state == "exited") it->second = &w;
  }
  return out;
}

void class_family(GaugeWriter& w, BenchFamily id, std::string_view cls, const ClassResult& c) {
  switch (id) {
    case BenchFamily::duration: w.sample({cls}, c.duration_s); break;
    case BenchFamily::connections: w.sample({cls}, c.connections); break;
    case BenchFamily::target_rate: w.sample({cls}, c.target_rate); break;
    case BenchFamily::achieved_rate: w.sample({cls}, c.achieved_rate); break;
    case BenchFamily::requests_sent: w.sample({cls}, d(c.requests_sent)); break;
    case BenchFamily::responses: w.sample({cls}, d(c.responses)); break;
    case BenchFamily::response_bytes: w.sample({cls}, d(c.bytes_read)); break;
    case BenchFamily::latency: percentiles(w, cls, c.latency); break;
    case BenchFamily::latency_mean: w.sample({cls}, c.latency.mean_s); break;
    case BenchFamily::service_latency: percentiles(w, cls, c.service); break;
    case BenchFamily::queue_latency: percentiles(w, cls, c.queue); break;
    case BenchFamily::errors: errors(w, cls, c.errors); break;
    case BenchFamily::error_responses:
      for (const auto& [code, n] : c.errors.status) w.sample({cls, std::to_string(code)}, d(n));
      break;
    case BenchFamily::failed_requests: w.sample({cls}, d(c.reconciliation.client_failed)); break;
    case BenchFamily::server_requests: w.sample({cls}, d(c.reconciliation.server_delta)); break;
    case BenchFamily::reconciled: w.sample({cls}, c.reconciliation.ok ? 1 : 0); break;
    case BenchFamily::worker_restarts:
      for (const auto& [reason, n] : c.master_restarts) w.sample({cls, reason}, d(n));
      break;
    case BenchFamily::worker_memory:
    case BenchFamily::worker_cpu:
      for (const auto& [index, wf] : workers_by_index(c)) {
        std::string i = std::to_string(index);
        w.sample({cls, i}, id == BenchFamily::worker_memory ? d(wf->rss_bytes) : wf->cpu_percent);
      }
      break;
    case BenchFamily::injected_signals: {
      std::map<std::string, uint64_t> by_signal;
      for (const InjectedEvent& e : c.events) by_signal[e.signal] += e.delivered ? 1 : 0;
      for (const auto& [signal, n] : by_signal) w.sample({cls, signal}, d(n));
      break;
    }
    case BenchFamily::interrupted: break;
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
  GaugeWriter w(out);
  std::vector<std::string> names = class_label_values(result);
  for (const BenchFamilyDef& def : bench_family_table()) {
    w.family(def);
    if (def.id == BenchFamily::interrupted) {
      w.sample({}, result.interrupted ? 1 : 0);
      continue;
    }
    for (size_t i = 0; i < result.classes.size(); ++i)
      class_family(w, def.id, names[i], result.classes[i]);
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
