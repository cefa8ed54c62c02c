// Costs of the strict checker (run before every push and on every scrape in tests) and of the
// Prometheus report (which parses and merges one scrape per worker class).
#include <benchmark/benchmark.h>

#include "core/exposition.h"
#include "core/metric_table.h"
#include "reports/exposition_check.h"
#include "reports/prom_report.h"

namespace {

wpm::HistogramSnapshot histogram(size_t bounds, uint64_t count) {
  wpm::HistogramSnapshot h;
  for (size_t i = 0; i <= bounds; ++i) h.cumulative.push_back(count * (i + 1) / (bounds + 1));
  h.sum = 0.002 * static_cast<double>(count);
  return h;
}

std::string scrape(size_t workers) {
  wpm::PoolSnapshot pool;
  for (size_t i = 0; i < workers; ++i) {
    wpm::WorkerSnapshot w;
    w.worker_id = wpm::worker_id(i + 1, 1700000000);
    w.index = static_cast<uint32_t>(i);
    w.requests = 1000 * (i + 1);
    w.duration = histogram(wpm::kDurationBuckets.size(), w.requests);
    w.request_size = histogram(wpm::kSizeBuckets.size(), w.requests);
    w.response_size = histogram(wpm::kSizeBuckets.size(), w.requests);
    w.label_sets.push_back({"GET", "/error", "500", 3, 3});
    pool.workers.push_back(std::move(w));
  }
  return wpm::render_prometheus(pool, wpm::kDefaultPrefix);
}

void BM_CheckExposition(benchmark::State& state) {
  std::string text = scrape(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(wpm::check_exposition(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["lines"] = static_cast<double>(std::count(text.begin(), text.end(), '\n'));
}
BENCHMARK(BM_CheckExposition)->Arg(4)->Arg(64);

void BM_RenderBenchPrometheus(benchmark::State& state) {
  wpm::BenchResult b;
  std::string text = scrape(static_cast<size_t>(state.range(0)));
  for (const char* cls : {"sync", "thread", "eventlet", "gevent"}) {
    wpm::ClassResult c;
    c.worker_class = cls;
    c.final_scrape = text;
    b.classes.push_back(std::move(c));
  }
  for (auto _ : state) benchmark::DoNotOptimize(wpm::render_bench_prometheus(b));
}
BENCHMARK(BM_RenderBenchPrometheus)->Arg(4)->Arg(64);

}  // namespace
