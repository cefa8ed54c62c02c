#include "bench/pool_metrics.h"

#include <cmath>

#include "core/metric_table.h"
#include "reports/exposition_parse.h"
#include "reports/pushgateway.h"

namespace wpm::bench {
namespace {

const std::string* label_value(const prom::Sample& s, std::string_view name) {
  for (const prom::Label& l : s.labels)
    if (l.name == name) return &l.value;
  return nullptr;
}

uint64_t count_of(double v) { return v > 0 ? static_cast<uint64_t>(std::llround(v)) : 0; }

// Applies one per-worker sample to its row; false when the sample is not a per-worker figure.
bool apply_worker_sample(const prom::Sample& s, std::string_view prefix, WorkerRow& row) {
  auto is = [&](MetricId id) { return s.name == metric_name(id, prefix); };
  if (is(MetricId::worker_requests)) row.requests = count_of(s.value);
  else if (is(MetricId::worker_memory)) row.rss_bytes = count_of(s.value);
  else if (is(MetricId::worker_cpu_percent)) row.cpu_percent = s.value;
  else if (is(MetricId::worker_cpu_seconds)) row.cpu_seconds = s.value;
  else if (is(MetricId::worker_uptime)) row.uptime_seconds = s.value;
  else if (is(MetricId::worker_state)) {
    const std::string* name = label_value(s, "state");
    auto state = name ? parse_name<WorkerState>(*name, kWorkerStateNames) : std::nullopt;
    if (state && s.value == 1) row.state = *state;
  } else {
    return false;
  }
  return true;
}

}  // namespace

PoolMetrics parse_pool_metrics(const std::string& exposition, std::string_view prefix) {
  PoolMetrics m;
  m.text = exposition;
  std::vector<prom::Problem> problems;  // lenient: a scrape with a flaw still has its counts
  prom::Exposition parsed = prom::parse_exposition(exposition, problems);
  const std::string requests = metric_name(MetricId::worker_requests, prefix);
  const std::string restarts = metric_name(MetricId::master_worker_restart, prefix);
  for (const prom::Family& family : parsed.families) {
    for (const prom::Sample& s : family.samples) {
      if (s.name == requests) m.requests += s.value;
      if (s.name == restarts) {
        if (const std::string* reason = label_value(s, "reason")) m.master_restarts[*reason] += s.value;
        continue;
      }
      const std::string* id = label_value(s, "worker_id");
      if (id == nullptr) continue;
      auto [row, fresh] = m.workers.try_emplace(*id);
      if (fresh) row->second.worker_id = *id;
      if (!apply_worker_sample(s, prefix, row->second) && fresh) m.workers.erase(row);
    }
  }
  return m;
}

Result<PoolMetrics> scrape_pool(const std::string& metrics_url, std::string_view prefix) {
  Result<std::string> body = http_get_text(metrics_url, 5);
  if (!body) return body.error();
  return parse_pool_metrics(*body, prefix);
}

}  // namespace wpm::bench
