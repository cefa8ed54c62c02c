// Prometheus text (format 0.0.4) of a bench run: the bench results as gauges (bench_families.h),
// then the final /metrics scrape of every class merged into one exposition with a worker_class
// label. The output passes `promtool check metrics` and check_exposition with no timestamps, so
// it can be pushed as is.
#pragma once

#include <string>
#include <vector>

#include "core/bench_result.h"

namespace wpm {

std::string render_bench_prometheus(const BenchResult& result);

// Only the wpm_bench_* gauges, without the scrapes.
std::string render_bench_gauges(const BenchResult& result);

// The label value of each class: its worker_class, made unique ("sync", "sync#2") when a run
// holds the same class twice, so series never collide. Empty names become "unnamed".
std::vector<std::string> class_label_values(const BenchResult& result);

}  // namespace wpm
