// The charts of the HTML report, built from a BenchResult: the latency percentile spectrum of
// every class (HdrHistogram style), throughput and p99 over time with the injected signals
// marked, and per-worker RSS and CPU bars.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "core/bench_result.h"

namespace wpm {

// One colour per class, stable by position.
std::string class_color(size_t index);

// x = log10(1 / (1 - q)): 90 %, 99 %, 99.9 % … equally spaced; the max at the right edge.
std::string spectrum_chart(const BenchResult& result);

// Throughput (client and server), errors and p99 per timeline interval of one class, each
// with the class's injected signals as markers.
std::string timeline_charts(const ClassResult& c, const std::string& color);

// The client throughput from 1 s before an injection to 2 s after it, at the timeline's
// interval, with the steps of the replacement (signal, gone, spawned, ready, first request)
// as markers: the dip and the recovery. Empty when the signal was never sent.
std::string injection_chart(const ClassResult& c, const InjectedEvent& e, const std::string& color);

// What an injection did to throughput: the mean over the second before it, the lowest
// interval in the 3 s after it, and when throughput was back at 90 % of the mean (NaN: not
// within the window).
struct DipRecovery {
  bool measured = false;  // enough timeline around the signal
  double before_rps = 0, low_rps = 0, low_at_s = 0;
  double recovered_s = std::numeric_limits<double>::quiet_NaN();  // after the signal
};
DipRecovery dip_and_recovery(const ClassResult& c, double at_s);

std::string worker_charts(const ClassResult& c, const std::string& color);

}  // namespace wpm
