#include "core/histogram_summary.h"

namespace wpm {
namespace {
double seconds(uint64_t ns) { return static_cast<double>(ns) * 1e-9; }
}  // namespace

LatencySummary summarize(const Histogram& histogram, int ticks_per_half_distance) {
  LatencySummary out;
  out.count = histogram.count();
  if (out.count == 0) return out;
  out.min_s = seconds(histogram.min());
  out.max_s = seconds(histogram.max());
  out.mean_s = histogram.mean() * 1e-9;
  out.stdev_s = histogram.stdev() * 1e-9;
  std::vector<uint64_t> p = histogram.percentiles({50, 90, 99, 99.9});
  out.p50_s = seconds(p[0]);
  out.p90_s = seconds(p[1]);
  out.p99_s = seconds(p[2]);
  out.p999_s = seconds(p[3]);
  for (const SpectrumPoint& point : histogram.spectrum(ticks_per_half_distance)) {
    out.spectrum.push_back(PercentilePoint{point.percentile, seconds(point.value_ns)});
  }
  return out;
}

}  // namespace wpm
