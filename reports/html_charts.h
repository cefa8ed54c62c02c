// The charts of the HTML report, built from a BenchResult: the latency percentile spectrum of
// every class (HdrHistogram style), throughput and p99 over time with the injected signals
// marked, and per-worker RSS and CPU bars.
#pragma once

#include <string>
#include <vector>

#include "core/bench_result.h"

namespace wpm {

// One colour per class, stable by position.
std::string class_color(size_t index);

// x = log10(1 / (1 - q)): 90 %, 99 %, 99.9 % … equally spaced; the max at the right edge.
std::string spectrum_chart(const BenchResult& result);

// Throughput and p99 per second of one class, each with the class's events as markers.
std::string timeline_charts(const ClassResult& c, const std::string& color);

std::string worker_charts(const ClassResult& c, const std::string& color);

}  // namespace wpm
