#include "bench/external_pool.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "core/clock.h"
#include "core/metric_table.h"
#include "core/process_identity.h"
#include "reports/exposition_parse.h"
#include "reports/pushgateway.h"

namespace wpm::bench {
namespace {

constexpr double kScrapeTimeoutS = 5;
constexpr const char* kWorkerLabels[] = {"worker_id", "pid", "worker_pid", "worker"};

const std::string* worker_label(const prom::Sample& s) {
  for (const char* name : kWorkerLabels)
    for (const prom::Label& l : s.labels)
      if (l.name == name) return &l.value;
  return nullptr;
}

int32_t pid_of(const std::string& text) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  return end != text.c_str() && *end == '\0' && v > 0 && v < (1L << 22) ? static_cast<int32_t>(v) : 0;
}

uint64_t count_of(double v) { return v > 0 ? static_cast<uint64_t>(std::llround(v)) : 0; }

// An index first, then a pid (as `wpm signal --worker` reads it for a wpm pool).
const WorkerRow* resolve_worker(const PoolState& s, const std::string& text) {
  char* end = nullptr;
  unsigned long n = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') return nullptr;
  for (const WorkerRow& w : s.workers)
    if (w.index == n) return &w;
  for (const WorkerRow& w : s.workers)
    if (static_cast<unsigned long>(w.pid) == n) return &w;
  return nullptr;
}

std::string live_indices(const PoolState& s) {
  std::string out;
  for (const WorkerRow& w : s.workers) out += (out.empty() ? "" : ", ") + std::to_string(w.index);
  return out.empty() ? "none" : out;
}

}  // namespace

RequestSeries parse_request_series(const std::string& exposition, const std::string& requests_metric) {
  RequestSeries out;
  std::vector<prom::Problem> problems;  // lenient: a scrape with a flaw still has its counts
  prom::Exposition parsed = prom::parse_exposition(exposition, problems);
  for (const prom::Family& family : parsed.families)
    for (const prom::Sample& s : family.samples) {
      if (s.name != requests_metric) continue;
      out.total += s.value;
      if (const std::string* id = worker_label(s)) out.by_worker[*id] += s.value;
    }
  return out;
}

std::string prefix_of_requests_metric(const std::string& metric) {
  // "_worker_requests_total": the family's name in the one metric table, without a prefix.
  const std::string kRequestsSuffix = metric_name(MetricId::worker_requests, "");
  if (metric.size() <= kRequestsSuffix.size() ||
      metric.compare(metric.size() - kRequestsSuffix.size(), kRequestsSuffix.size(), kRequestsSuffix) != 0)
    return "";
  return metric.substr(0, metric.size() - kRequestsSuffix.size());
}

ExternalPool::ExternalPool(ProcPool procs, const BenchOptions& o)
    : procs_(std::move(procs)), base_url_(o.target), metrics_url_(o.pool_metrics),
      requests_metric_(o.requests_metric) {}

Result<std::unique_ptr<ExternalPool>> ExternalPool::attach(const BenchOptions& o) {
  Result<ProcPool> procs = ProcPool::attach(o.pool_pid);
  if (!procs) return Error{"--pool-pid: " + procs.error().message, procs.error().exit_code};
  std::unique_ptr<ExternalPool> pool(new ExternalPool(std::move(*procs), o));
  // The first scrape says whether the metric has per-worker series at all, before any look.
  if (Result<PoolMetrics> m = pool->scrape(); !m)
    return Error{"--pool-metrics " + o.pool_metrics + ": " + m.error().message};
  return pool;
}

// The requests series say which workers have served; /proc says which live, and their RSS
// and CPU. A series whose pid is not a live child is an exited worker (its count is kept).
Result<PoolMetrics> ExternalPool::scrape() {
  Result<std::string> body = http_get_text(metrics_url_, kScrapeTimeoutS);
  if (!body) return body.error();
  RequestSeries series = parse_request_series(*body, requests_metric_);
  std::set<int32_t> served;
  for (const auto& [id, value] : series.by_worker)
    if (int32_t pid = pid_of(id); pid > 0) {
      procs_.set_per_worker_series(true);
      if (value > 0) served.insert(pid);
    }
  procs_.note_served(served);
  Result<PoolState> now = procs_.look();
  PoolMetrics m;
  m.text = std::move(*body);
  m.requests = series.total;
  if (now)
    for (const WorkerRow& live : now->workers) last_seen_[live.worker_id] = live;
  for (const auto& [id, value] : series.by_worker) {
    WorkerRow row;
    row.worker_id = id;
    bool alive = false;
    if (now)
      for (const WorkerRow& live : now->workers) alive = alive || live.worker_id == id;
    // An exited worker keeps the RSS and CPU of the last look that saw it alive.
    if (auto last = last_seen_.find(id); last != last_seen_.end()) row = last->second;
    if (!alive) row.state = WorkerState::exited;
    row.requests = count_of(value);
    m.workers[id] = row;
  }
  return m;
}

// A worker that has not served yet may have done so since the last scrape: look again.
Result<PoolState> ExternalPool::state() {
  Result<PoolState> s = procs_.look();
  if (!s) return s;
  for (const WorkerRow& w : s->workers)
    if (w.state != WorkerState::running) {
      if (Result<PoolMetrics> m = scrape(); m) return procs_.look();
      break;
    }
  return s;
}

Result<supervisor::Delivery> ExternalPool::signal(const InjectSpec& spec) {
  Result<PoolState> pool = state();
  if (!pool) return pool.error();
  std::optional<std::string> worker;
  if (spec.worker) worker = std::to_string(*spec.worker);
  return signal_proc_pool(*pool, spec.signal, worker);
}

Result<supervisor::Delivery> signal_proc_pool(const PoolState& pool, ControlSignal signal,
                                              const std::optional<std::string>& worker) {
  supervisor::Delivery d{0, "", 0, supervisor::EffectWatch::master_signal(signal, pool)};
  const WorkerRow* target = nullptr;
  if (worker) {
    target = resolve_worker(pool, *worker);
    if (target == nullptr)
      return Error{"no live worker '" + *worker + "' under master pid " +
                   std::to_string(pool.master_pid) + " (live indices: " + live_indices(pool) +
                   "; give an index or a pid)"};
    d.target = "worker " + std::to_string(target->index) + " (pid " + std::to_string(target->pid) + ")";
  } else {
    d.target = "master (pid " + std::to_string(pool.master_pid) + ")";
  }
  // Verified like an own pool's: still the process seen (start time) and still the master's child.
  Result<VerifiedProcess> process =
      target ? VerifiedProcess::open(target->pid, target->start_time, pool.master_pid, d.target)
             : VerifiedProcess::open(pool.master_pid, pool.master_start_time, 0, d.target);
  if (!process) return process.error();
  d.pid = process->pid();
  int signo = signal_number(signal);
  if (signal == ControlSignal::usr1)
    d.watch = supervisor::EffectWatch::signal_taken(
        d.pid, target ? target->start_time : pool.master_start_time, signo);
  else if (target)
    d.watch = supervisor::EffectWatch::worker_replaced(*target);
  d.sent_s = ns_to_seconds(monotonic_ns());
  if (Status s = process->send(signo); !s) return s.error();
  return d;
}

Result<std::unique_ptr<NamedPool>> NamedPool::attach(const BenchOptions& o) {
  Result<PoolState> s = read_state_file(o.pool_name);
  if (!s) return Error{"--pool-name: " + s.error().message, kExitUsage};
  std::unique_ptr<NamedPool> pool(new NamedPool());
  pool->name_ = o.pool_name;
  pool->prefix_ = prefix_of_requests_metric(o.requests_metric);
  pool->base_url_ = o.target.empty() ? "http://" + s->bind : o.target;
  if (!o.pool_metrics.empty()) pool->metrics_url_ = o.pool_metrics;
  else if (!s->metrics_bind.empty()) pool->metrics_url_ = "http://" + s->metrics_bind + "/metrics";
  else return Error{"--pool-name " + o.pool_name + ": the pool serves no metrics; give --pool-metrics", kExitUsage};
  return pool;
}

Result<PoolMetrics> NamedPool::scrape() { return scrape_pool(metrics_url_, prefix_); }

Result<supervisor::Delivery> NamedPool::signal(const InjectSpec& spec) {
  std::optional<std::string> worker;
  if (spec.worker) worker = std::to_string(*spec.worker);
  return supervisor::deliver_signal({name_, 0}, spec.signal, worker);
}

Result<std::unique_ptr<Pool>> attach_pool(const BenchOptions& o) {
  if (!o.pool_name.empty()) {
    Result<std::unique_ptr<NamedPool>> p = NamedPool::attach(o);
    if (!p) return p.error();
    return std::unique_ptr<Pool>(std::move(*p));
  }
  Result<std::unique_ptr<ExternalPool>> p = ExternalPool::attach(o);
  if (!p) return p.error();
  return std::unique_ptr<Pool>(std::move(*p));
}

}  // namespace wpm::bench

namespace wpm::bench {

Result<PoolState> proc_pool_status(int32_t master_pid, const std::string& metrics_url,
                                   const std::string& requests_metric) {
  if (metrics_url.empty()) {
    Result<ProcPool> procs = ProcPool::attach(master_pid);
    if (!procs) return procs.error();
    return procs->look();
  }
  BenchOptions o;
  o.pool_pid = master_pid;
  o.pool_metrics = metrics_url;
  o.requests_metric = requests_metric;
  Result<std::unique_ptr<ExternalPool>> pool = ExternalPool::attach(o);
  if (!pool) return pool.error();
  Result<PoolMetrics> m = (*pool)->scrape();
  if (!m) return m.error();
  Result<PoolState> s = (*pool)->state();
  if (!s) return s;
  for (WorkerRow& w : s->workers)
    if (auto it = m->workers.find(w.worker_id); it != m->workers.end()) w.requests = it->second.requests;
  return s;
}

Result<supervisor::SignalOutcome> send_proc_pool_signal(int32_t master_pid, ControlSignal signal,
                                                        const std::optional<std::string>& worker,
                                                        std::optional<double> wait_s) {
  Result<ProcPool> procs = ProcPool::attach(master_pid);
  if (!procs) return procs.error();
  Result<PoolState> before = procs->look();
  if (!before) return before.error();
  Result<supervisor::Delivery> d = signal_proc_pool(*before, signal, worker);
  if (!d) return d.error();
  supervisor::SignalOutcome out{d->pid, d->target, "", 0};
  if (!wait_s) return out;
  uint64_t deadline = monotonic_ns() + static_cast<uint64_t>(*wait_s * 1e9);
  while (monotonic_ns() < deadline) {
    Result<PoolState> s = procs->look();
    double now = ns_to_seconds(monotonic_ns());
    if (auto effect = d->watch.check(s ? &*s : nullptr, now)) {
      out.effect = effect->text;
      out.waited_s = now - d->sent_s;
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error{"timed out after " + std::to_string(*wait_s) + " s waiting for the signal's effect"};
}

}  // namespace wpm::bench
