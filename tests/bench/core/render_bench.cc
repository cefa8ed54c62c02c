// Micro-benchmarks of the metrics core: the request-path update and a /metrics render.
#include <benchmark/benchmark.h>

#include "core/exposition.h"
#include "core/segment.h"
#include "core/slot_ops.h"
#include "core/snapshot.h"

namespace wpm {
namespace {

Segment populated_segment(uint32_t workers) {
  Result<Segment> seg = Segment::create(workers);
  if (!seg.ok()) std::abort();
  for (uint32_t i = 0; i < workers; ++i) {
    WorkerSlot& slot = seg->slot(i);
    claim_slot(slot, i, i + 1, 1000 + static_cast<int32_t>(i));
    for (int r = 0; r < 1000; ++r) record_request(slot.hot, 1000u * static_cast<uint64_t>(r), 120, 200);
    count_failure(slot, "GET", "/error", "RuntimeError", 1, 1);
    count_failure(slot, "GET", "__parse__", "InvalidRequestLine", 0, 1);
    record_worker_exit(slot.hot, ExitReason::quit);
  }
  return std::move(*seg);
}

// The shared (multi-writer) request-path update: atomic read-modify-writes.
void BM_RecordRequestShared(benchmark::State& state) {
  Segment seg = populated_segment(1);
  SlotHot& hot = seg.slot(0).hot;
  uint64_t ns = 1000;
  for (auto _ : state) {
    record_request(hot, ns, 120, 200);
    ns = (ns * 7 + 13) & 0xFFFFFF;
  }
}
BENCHMARK(BM_RecordRequestShared);

void BM_Snapshot64Workers(benchmark::State& state) {
  Segment seg = populated_segment(64);
  for (auto _ : state) benchmark::DoNotOptimize(take_snapshot(seg));
}
BENCHMARK(BM_Snapshot64Workers)->Unit(benchmark::kMicrosecond);

// What a scrape costs: snapshot + render of every family for 64 workers (goal ≤ 1 ms).
void BM_Render64Workers(benchmark::State& state) {
  Segment seg = populated_segment(64);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = render_prometheus(take_snapshot(seg), "gunicorn");
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Render64Workers)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wpm
