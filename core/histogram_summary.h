// Conversion of a loadgen histogram into the report-facing LatencySummary of core/.
#pragma once

#include "core/bench_result.h"
#include "core/histogram.h"

namespace wpm {

// count, min, mean, max, stdev, p50/p90/p99/p99.9 and the log-spaced spectrum, in seconds.
LatencySummary summarize(const Histogram& histogram, int ticks_per_half_distance = 5);

}  // namespace wpm
