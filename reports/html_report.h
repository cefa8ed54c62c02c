// The HTML report of a bench run: one self-contained file (inline CSS and SVG, no scripts, no
// external fetches — a Content-Security-Policy forbids them too), with a summary table, the
// latency spectrum of every class, throughput and p99 over time with the injected signals
// marked, per-worker RSS and CPU, and the reconciliation verdict of each class.
#pragma once

#include <string>

#include "core/bench_result.h"

namespace wpm {

std::string render_bench_html(const BenchResult& result);

}  // namespace wpm
