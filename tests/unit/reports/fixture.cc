#include "tests/unit/reports/fixture.h"

#include <cmath>

#include "core/exposition.h"
#include "core/metric_table.h"

namespace wpm::test {
namespace {

HistogramSnapshot histogram(size_t bounds, uint64_t count, double sum) {
  HistogramSnapshot h;
  for (size_t i = 0; i < bounds; ++i)
    h.cumulative.push_back(count * (i + 1) / (bounds + 1));
  h.cumulative.push_back(count);
  h.sum = sum;
  return h;
}

WorkerSnapshot worker(uint32_t index, uint64_t age, uint64_t seed) {
  WorkerSnapshot w;
  w.worker_id = worker_id(age, 1700000000 + static_cast<int64_t>(age));
  w.index = index;
  w.age = age;
  w.pid = static_cast<int32_t>(4000 + age);
  w.state = WorkerState::running;
  w.requests = 1000 * (index + 1) + seed;
  w.rss_bytes = (20 + index) * 1048576ull;
  w.cpu_percent = 12.5 * (index + 1);
  w.cpu_seconds = 0.75 * (index + 1);
  w.uptime_seconds = 9.5;
  w.duration = histogram(kDurationBuckets.size(), w.requests, 0.002 * w.requests);
  w.request_size = histogram(kSizeBuckets.size(), w.requests, 80.0 * w.requests);
  w.response_size = histogram(kSizeBuckets.size(), w.requests, 200.0 * w.requests);
  w.label_sets.push_back({"GET", "/error", "500", 3, 3});
  w.label_sets.push_back({"GET", "/status/<code>", "503", 0, 2});
  return w;
}

}  // namespace

PoolSnapshot make_pool_snapshot(size_t workers, uint64_t seed) {
  PoolSnapshot pool;
  for (size_t i = 0; i < workers; ++i) pool.workers.push_back(worker(i, i + 1, seed));
  WorkerSnapshot gone = worker(0, workers + 1, seed);  // an aborted worker kept for retention
  gone.exited = true;
  gone.state = WorkerState::exited;
  gone.exit_reason = ExitReason::abort;
  gone.restarts[static_cast<size_t>(ExitReason::abort)] = 1;
  pool.workers.push_back(gone);
  pool.master_restarts[static_cast<size_t>(ExitReason::abort)] = 1;
  pool.master_restarts[static_cast<size_t>(ExitReason::quit)] = 1;
  pool.master_signals[static_cast<size_t>(ControlSignal::abort)] = 1;
  pool.workers_by_state[static_cast<size_t>(WorkerState::running)] = workers;
  pool.listen_backlog = 2048;
  return pool;
}

namespace {

LatencySummary latency(double base_s, double tail_s, uint64_t count) {
  LatencySummary l;
  l.count = count;
  auto at = [&](double q) { return base_s * (1 + std::log1p(q / (1 - q + 1e-9)) * 0.3) + tail_s * q * q * q; };
  for (double p : {0.0, 10.0, 25.0, 50.0, 75.0, 87.5, 90.0, 93.75, 96.875, 98.4375, 99.0, 99.21875,
                   99.609375, 99.9, 99.99, 99.999, 100.0})
    l.spectrum.push_back({p, p == 100 ? at(1.0) * 1.5 : at(p / 100)});
  l.min_s = l.spectrum.front().seconds;
  l.max_s = l.spectrum.back().seconds;
  l.p50_s = at(0.5), l.p90_s = at(0.9), l.p99_s = at(0.99), l.p999_s = at(0.999);
  l.mean_s = base_s * 1.2;
  l.stdev_s = base_s * 0.4;
  return l;
}

ClassResult make_class(std::string name, double base_s, size_t class_index) {
  ClassResult c;
  c.worker_class = std::move(name);
  c.target_url = "http://127.0.0.1:8000/load?cpu_ms=1&io_ms=2";
  c.duration_s = 10;
  c.connections = 32;
  c.achieved_rate = 3000.0 / (class_index + 1) + 0.25;
  c.responses = static_cast<uint64_t>(c.achieved_rate * c.duration_s);
  c.requests_sent = c.responses + 7;
  c.bytes_read = c.responses * 180;
  c.bytes_written = c.responses * 75;
  c.latency = latency(base_s, base_s * 20, c.responses);
  c.service = latency(base_s * 0.9, base_s * 10, c.responses);
  c.queue = latency(base_s * 0.05, base_s, c.responses);
  c.errors.connect = 2;
  c.errors.reset = 5;
  c.errors.status[500] = 11;
  c.errors.status[503] = 4;
  for (int t = 0; t < 10; ++t) {
    uint64_t done = static_cast<uint64_t>(c.achieved_rate) - (t == 6 ? 400 : 0);
    c.timeline.push_back({t + 1.0, done, t == 6 ? 5u : 0u, base_s * (t == 6 ? 30 : 3), done});
  }
  c.events.push_back({3, 3.004, "quit", "worker=0", 4242, true, "worker 0 replaced in 0.08 s (reason=quit)"});
  c.events.push_back({6, 6.002, "abort", "worker=1", 4243, true, "worker 1 replaced in 0.11 s (reason=abort) <lost 5>"});
  for (uint32_t i = 0; i < 3; ++i)
    c.workers.push_back({i, worker_id(i + 3, 1700000100 + i), 0,
                         i == 2 ? WorkerState::exited : WorkerState::running, c.responses / 3,
                         (18 + 3 * i) * 1048576ull, 35.5 + i * 4.25, 2.5 + i});
  c.master_restarts = {{"quit", 1}, {"abort", 1}};
  Reconciliation& r = c.reconciliation;
  r.client_completed = c.responses;
  r.client_failed = 7;
  r.server_delta = c.responses;
  r.aborts_injected = true;
  r.ok = true;
  r.verdict = "client 3000 responses = server 3000 requests; 7 failed requests explained by 1 abort";
  c.final_scrape = render_prometheus(make_pool_snapshot(3, class_index), kDefaultPrefix);
  return c;
}

}  // namespace

BenchResult make_bench_result() {
  BenchResult b;
  b.environment = {"0.1.0", "ci-runner-3", "Linux 6.1.0-13-amd64", "2026-11-25T18:00:00Z", 2};
  b.config = {{"duration", "10s"},
              {"connections", "32"},
              {"path", "/load?cpu_ms=1&io_ms=2"},
              {"note", "quote \" backslash \\ <script>alert(1)</script>\nsecond line"}};
  b.classes.push_back(make_class("sync", 0.002, 0));
  b.classes.push_back(make_class("thread", 0.0011, 1));
  b.classes.push_back(make_class("gevent", 0.0007, 2));
  Reconciliation& r = b.classes[1].reconciliation;
  r.server_delta = r.client_completed + 3;
  r.ok = false;
  r.verdict = "server counted 3 more requests than the client completed";
  b.classes[2].events.clear();
  b.classes[2].reconciliation.aborts_injected = false;
  b.classes[2].master_restarts.clear();
  return b;
}

}  // namespace wpm::test
