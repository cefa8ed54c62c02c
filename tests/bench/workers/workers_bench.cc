// Micro-benchmarks of the request path: the metric update (goal ≤ 25 ns/op), HTTP parsing,
// and the whole CPU side of a tiny "/" request (parse, app, response, metrics; no I/O).
#include <benchmark/benchmark.h>

#include <optional>
#include <string>

#include "core/segment.h"
#include "core/slot_ops.h"
#include "workers/app.h"
#include "workers/exchange.h"
#include "workers/instrumentation.h"
#include "workers/request_parser.h"

namespace wpm {
namespace {

// A curl/wrk-like request: what the tiny-response benchmarks against nginx send.
const std::string kTypical =
    "GET /load?cpu_ms=0&io_ms=0 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
    "User-Agent: wpm-loadgen/0.1\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\n"
    "Connection: keep-alive\r\n\r\n";
const std::string kTiny = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n";

struct Fixture {
  Fixture() : segment(std::move(Segment::create(1)).value()) {
    claim_slot(segment.slot(0), 0, 1, 1);
  }
  Segment segment;
};

void metric_update(benchmark::State& state, Writers writers) {
  Fixture f;
  PrometheusMixin metrics(f.segment.slot(0), true, writers);
  uint64_t i = 0;
  for (auto _ : state) {
    metrics.enter();
    metrics.record(150'000 + (i & 1023), 120 + (i & 63), 180);  // sub-ms, small sizes
    ++i;
  }
  benchmark::DoNotOptimize(f.segment.slot(0).hot.requests.load());
  state.SetItemsProcessed(state.iterations());
}
// sync, eventlet, gevent: one writer per slot.
void BM_MetricUpdate_SingleWriter(benchmark::State& s) { metric_update(s, Writers::single); }
// thread: several writers, atomic read-modify-write (core's record_request).
void BM_MetricUpdate_SharedWriters(benchmark::State& s) { metric_update(s, Writers::shared); }
BENCHMARK(BM_MetricUpdate_SingleWriter);
BENCHMARK(BM_MetricUpdate_SharedWriters);

// The hooks as workers call them: two monotonic clock reads (vDSO) plus the update.
void BM_RequestHooksWithClock(benchmark::State& state) {
  Fixture f;
  PrometheusMixin metrics(f.segment.slot(0), true, Writers::single);
  for (auto _ : state) {
    uint64_t start = metrics.request_started();
    metrics.request_finished(start, 120, 180);
  }
}
BENCHMARK(BM_RequestHooksWithClock);

void parse(benchmark::State& state, const std::string& request) {
  http::RequestParser parser;
  for (auto _ : state) {
    parser.reset();
    if (parser.feed(request) != http::ParseStatus::complete) state.SkipWithError("not parsed");
    benchmark::DoNotOptimize(parser.request().path.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * request.size()));
}
void BM_ParseTypicalRequest(benchmark::State& s) { parse(s, kTypical); }
void BM_ParseTinyRequest(benchmark::State& s) { parse(s, kTiny); }
BENCHMARK(BM_ParseTypicalRequest);
BENCHMARK(BM_ParseTinyRequest);

// 16 pipelined requests per feed: the keep-alive models' steady state.
void BM_ParsePipelined16(benchmark::State& state) {
  std::string batch;
  for (int i = 0; i < 16; ++i) batch += kTypical;
  http::RequestParser parser;
  for (auto _ : state) {
    parser.reset();
    http::ParseStatus s = parser.feed(batch);
    while (s == http::ParseStatus::complete) s = parser.next();
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_ParsePipelined16);

// Everything but the socket calls for "GET /": parse, app, response head, metrics.
void BM_TinyRequestCycle(benchmark::State& state) {
  Fixture f;
  PrometheusMixin metrics(f.segment.slot(0), true, Writers::single);
  app::SyntheticApp app;
  Exchange exchange(app, metrics);
  http::RequestParser parser;
  for (auto _ : state) {
    parser.reset();
    parser.feed(kTiny);
    exchange.begin(parser.request());
    http::OutgoingResponse& r = exchange.respond(parser.request(), false);
    iovec iov[2];
    benchmark::DoNotOptimize(r.iov(iov, 2));
    r.advance(r.total_bytes());
    exchange.finish();
  }
}
BENCHMARK(BM_TinyRequestCycle);

}  // namespace
}  // namespace wpm
