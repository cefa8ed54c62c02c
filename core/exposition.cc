#include "core/exposition.h"

namespace wpm {
namespace {

using W = const WorkerSnapshot&;

double d(uint64_t v) { return static_cast<double>(v); }

// ABRT and KILL never reach the master's handlers: no series for them.
constexpr std::span<const std::string_view> kMasterSignalNames =
    std::span(kControlSignalNames).first(static_cast<size_t>(ControlSignal::abort));

// The archive of recycled slots holds counts only: a gauge of it would describe no process.
bool reported(const ExpoFamily& f, const WorkerSnapshot& w) {
  return !(w.retired && f.type == MetricType::gauge);
}

template <class Value>
void per_worker(ExpoFamily& f, const PoolSnapshot& pool, Value value) {
  const size_t wid = f.label("worker_id");
  for (const WorkerSnapshot& w : pool.workers)
    if (reported(f, w)) f.add(value(w)).labels[wid] = w.worker_id;
}

void histograms(ExpoFamily& f, const PoolSnapshot& pool, HistogramSnapshot WorkerSnapshot::*h) {
  const size_t wid = f.label("worker_id");
  for (const WorkerSnapshot& w : pool.workers)
    f.add_histogram((w.*h).cumulative, (w.*h).sum).labels[wid] = w.worker_id;
}

// failed_requests / error_handling: one series per (method, endpoint, error_type) that counted.
void label_sets(ExpoFamily& f, const PoolSnapshot& pool, uint64_t LabelSetSnapshot::*count) {
  const size_t wid = f.label("worker_id"), method = f.label("method");
  const size_t endpoint = f.label("endpoint"), error_type = f.label("error_type");
  for (const WorkerSnapshot& w : pool.workers) {
    for (const LabelSetSnapshot& l : w.label_sets) {
      if (l.*count == 0) continue;
      ExpoSample& s = f.add(d(l.*count));
      s.labels[wid] = w.worker_id;
      s.labels[method] = l.method;
      s.labels[endpoint] = l.endpoint;
      s.labels[error_type] = l.error_type;
    }
  }
}

// route_requests: one series per (method, route template) the worker served.
void routes(ExpoFamily& f, const PoolSnapshot& pool) {
  const size_t wid = f.label("worker_id"), method = f.label("method");
  const size_t endpoint = f.label("endpoint");
  for (const WorkerSnapshot& w : pool.workers) {
    for (const RouteSnapshot& r : w.routes) {
      ExpoSample& s = f.add(d(r.requests));
      s.labels[wid] = w.worker_id;
      s.labels[method] = r.method;
      s.labels[endpoint] = r.endpoint;
    }
  }
}

// An exit labelled by reason, and by restart_type when the family has that label.
void add_exit(ExpoFamily& f, std::string_view worker, ExitReason r, double value) {
  ExpoSample& s = f.add(value);
  s.labels[f.label("worker_id")] = worker;
  s.labels[f.label("reason")] = to_string(r);
  if (f.has_label("restart_type"))
    s.labels[f.label("restart_type")] = to_string(restart_type_of(r));
}

// The exits a worker can handle itself (its signal handlers and max_requests): each worker
// has these series from its first scrape, at 0, so the one exit it ever counts is a 0 -> 1
// step that increase() sees. A series born at 1 would be invisible to increase() and rate().
constexpr std::array<ExitReason, 5> kWorkerHandledExits{
    ExitReason::quit, ExitReason::term, ExitReason::int_, ExitReason::max_requests,
    ExitReason::abort};

bool worker_handled(size_t reason) {
  for (ExitReason r : kWorkerHandledExits)
    if (static_cast<size_t>(r) == reason) return true;
  return false;
}

void worker_restarts(ExpoFamily& f, const PoolSnapshot& pool) {
  for (const WorkerSnapshot& w : pool.workers) {
    for (size_t r = 0; r < kExitReasonCount; ++r) {
      if (w.restarts[r] == 0 && !worker_handled(r)) continue;
      add_exit(f, w.worker_id, static_cast<ExitReason>(r), d(w.restarts[r]));
    }
  }
}

// The archive's exits first (as __retired__), then the exit of each worker that ended.
void master_exits(ExpoFamily& f, const PoolSnapshot& pool) {
  for (size_t r = 0; r < kExitReasonCount; ++r)
    if (pool.archived_exits[r] != 0)
      add_exit(f, kRetiredWorkerId, static_cast<ExitReason>(r), d(pool.archived_exits[r]));
  for (const WorkerSnapshot& w : pool.workers)
    if (!w.retired && w.exit_reason) add_exit(f, w.worker_id, *w.exit_reason, 1);
}

// Every phase is rendered, observed or not, so rate() over a phase never starts from nothing.
void replacements(ExpoFamily& f, const PoolSnapshot& pool) {
  static constexpr std::array<uint64_t, kReplacementBuckets.size() + 1> kNothing{};
  const size_t phase = f.label("phase");
  for (size_t p = 0; p < kReplacementPhaseCount; ++p) {
    const HistogramSnapshot& h = pool.replacement[p];
    std::span<const uint64_t> counts = h.cumulative;
    if (counts.empty()) counts = kNothing;
    f.add_histogram(counts, h.sum).labels[phase] = kReplacementPhaseNames[p];
  }
}

void worker_states(ExpoFamily& f, const PoolSnapshot& pool) {
  const size_t wid = f.label("worker_id"), state = f.label("state");
  for (const WorkerSnapshot& w : pool.workers) {
    if (!reported(f, w)) continue;
    for (size_t st = 0; st < kWorkerStateCount; ++st) {
      ExpoSample& s = f.add(w.state == static_cast<WorkerState>(st) ? 1 : 0);
      s.labels[wid] = w.worker_id;
      s.labels[state] = kWorkerStateNames[st];
    }
  }
}

// One series per name of a closed vocabulary, zeros included, so rate() sees every series.
template <size_t N>
void per_name(ExpoFamily& f, std::string_view label, std::span<const std::string_view> names,
              const std::array<uint64_t, N>& counts) {
  const size_t at = f.label(label);
  for (size_t i = 0; i < names.size(); ++i) f.add(d(counts[i])).labels[at] = names[i];
}

void fill(ExpoFamily& f, MetricId id, const PoolSnapshot& pool) {
  switch (id) {
    case MetricId::worker_requests: return per_worker(f, pool, [](W w) { return d(w.requests); });
    case MetricId::worker_request_duration: return histograms(f, pool, &WorkerSnapshot::duration);
    case MetricId::worker_request_size: return histograms(f, pool, &WorkerSnapshot::request_size);
    case MetricId::worker_response_size: return histograms(f, pool, &WorkerSnapshot::response_size);
    case MetricId::worker_failed_requests: return label_sets(f, pool, &LabelSetSnapshot::failed);
    case MetricId::worker_error_handling: return label_sets(f, pool, &LabelSetSnapshot::errors);
    case MetricId::worker_memory: return per_worker(f, pool, [](W w) { return d(w.rss_bytes); });
    case MetricId::worker_cpu_percent:
      return per_worker(f, pool, [](W w) { return w.cpu_percent; });
    case MetricId::worker_uptime: return per_worker(f, pool, [](W w) { return w.uptime_seconds; });
    case MetricId::worker_state: return worker_states(f, pool);
    case MetricId::worker_restart:
    case MetricId::worker_restart_count: return worker_restarts(f, pool);
    case MetricId::master_worker_restart:
      return per_name(f, "reason", kExitReasonNames, pool.master_restarts);
    case MetricId::master_worker_restart_count: return master_exits(f, pool);
    case MetricId::worker_cpu_seconds:
      return per_worker(f, pool, [](W w) { return w.cpu_seconds; });
    case MetricId::worker_state_since:
      return per_worker(f, pool, [](W w) { return w.state_since_unix; });
    case MetricId::worker_heartbeat_age:
      return per_worker(f, pool, [](W w) { return w.heartbeat_age_seconds; });
    case MetricId::worker_in_flight:
      return per_worker(f, pool, [](W w) { return static_cast<double>(w.in_flight); });
    case MetricId::master_workers:
      return per_name(f, "state", kWorkerStateNames, pool.workers_by_state);
    case MetricId::master_signals:
      return per_name(f, "signal", kMasterSignalNames, pool.master_signals);
    case MetricId::master_listen_backlog: f.add(static_cast<double>(pool.listen_backlog)); return;
    case MetricId::master_worker_replacement: return replacements(f, pool);
    case MetricId::worker_route_requests: return routes(f, pool);
  }
}

}  // namespace

std::vector<ExpoFamily> pool_families(const PoolSnapshot& pool, std::string_view prefix) {
  std::vector<ExpoFamily> out;
  out.reserve(kMetricCount);
  for (const MetricDef& def : metric_table()) {
    ExpoFamily& f = out.emplace_back(make_family(def, prefix));
    f.samples.reserve(pool.workers.size());
    fill(f, def.id, pool);
  }
  return out;
}

std::string render_prometheus(const PoolSnapshot& pool, std::string_view prefix) {
  return write_exposition(pool_families(pool, prefix), 4096 + pool.workers.size() * 6144);
}

}  // namespace wpm
