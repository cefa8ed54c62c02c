// Micro-benchmarks of the load generator's hot path: histogram record, percentile queries,
// response parsing; and, when WPM_LOADGEN_TARGET=http://host:port/path is set, a closed-loop
// run against that target (to compare with `wrk` on the same target, threads, connections).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "loadgen/engine.h"
#include "loadgen/histogram.h"
#include "loadgen/response_parser.h"
#include "loadgen/url.h"

namespace wpm::loadgen {
namespace {

std::vector<uint64_t> latencies(size_t n) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> dist(13.0, 1.5);  // ~0.4 ms median, long tail
  std::vector<uint64_t> out(n);
  for (auto& v : out) v = static_cast<uint64_t>(dist(rng));
  return out;
}

void BM_HistogramRecord(benchmark::State& state) {
  Histogram h;
  std::vector<uint64_t> values = latencies(4096);
  size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramP99(benchmark::State& state) {
  Histogram h;
  for (uint64_t v : latencies(1'000'000)) h.record(v);
  for (auto _ : state) benchmark::DoNotOptimize(h.percentile(99));
}
BENCHMARK(BM_HistogramP99);

void BM_HistogramSpectrum(benchmark::State& state) {
  Histogram h;
  for (uint64_t v : latencies(1'000'000)) h.record(v);
  for (auto _ : state) benchmark::DoNotOptimize(h.spectrum(5));
}
BENCHMARK(BM_HistogramSpectrum);

void BM_HistogramMerge(benchmark::State& state) {
  Histogram a, b;
  for (uint64_t v : latencies(100'000)) b.record(v);
  for (auto _ : state) a.merge(b);
  benchmark::DoNotOptimize(a.count());
}
BENCHMARK(BM_HistogramMerge);

void parse_loop(benchmark::State& state, const std::string& response) {
  ResponseParser parser;
  for (auto _ : state) {
    parser.start(false);
    size_t used = 0;
    benchmark::DoNotOptimize(parser.feed(response.data(), response.size(), &used));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * response.size()));
}

void BM_ParseSmallResponse(benchmark::State& state) {  // nginx's answer to wrk's GET /
  parse_loop(state,
             "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
             "Content-Type: text/html\r\nContent-Length: 615\r\nLast-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
             "Connection: keep-alive\r\nETag: \"65920080-267\"\r\nAccept-Ranges: bytes\r\n\r\n" +
                 std::string(615, 'x'));
}
BENCHMARK(BM_ParseSmallResponse);

void BM_ParseChunkedResponse(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < 8; ++i) body += "80\r\n" + std::string(128, 'y') + "\r\n";
  parse_loop(state, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body + "0\r\n\r\n");
}
BENCHMARK(BM_ParseChunkedResponse);

// Closed-loop throughput against an external target; skipped unless the target is given.
void BM_ClosedLoopTarget(benchmark::State& state) {
  const char* target = std::getenv("WPM_LOADGEN_TARGET");
  if (target == nullptr) return state.SkipWithError("set WPM_LOADGEN_TARGET=http://host:port/path");
  auto url = parse_target_url(target);
  if (!url) return state.SkipWithError(url.error().message.c_str());
  LoadSpec spec;
  spec.host = url->host;
  spec.port = url->port;
  spec.paths = {url->path};
  spec.threads = static_cast<uint32_t>(state.range(0));
  spec.connections = static_cast<uint32_t>(state.range(1));
  spec.duration_s = 5;
  spec.warmup_s = 1;
  LoadResult r;
  for (auto _ : state) {
    auto run = LoadRun::start(spec);
    if (!run) return state.SkipWithError(run.error().message.c_str());
    r = (*run)->wait();
  }
  state.counters["req_per_s"] = r.achieved_rate();
  state.counters["p50_us"] = r.latency.percentile(50) / 1e3;
  state.counters["p99_us"] = r.latency.percentile(99) / 1e3;
  state.counters["errors"] = static_cast<double>(r.counts.errors());
  state.counters["all_responses"] = static_cast<double>(r.counts.responses + r.warmup_counts.responses);
}
BENCHMARK(BM_ClosedLoopTarget)->Args({2, 50})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace wpm::loadgen
