// Realistic inputs shared by the reports tests: a pool snapshot rendered by core (the final
// /metrics scrape) and a several-class BenchResult with timeline, events and spectrum.
#pragma once

#include <cstdint>

#include "core/bench_result.h"
#include "core/snapshot.h"

namespace wpm::test {

PoolSnapshot make_pool_snapshot(size_t workers, uint64_t seed);

// sync, thread and gevent classes; thread has an abort injected and a reconciliation mismatch;
// config holds text that must be escaped (quotes, <script>, newlines).
BenchResult make_bench_result();

}  // namespace wpm::test
