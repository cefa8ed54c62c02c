// HdrHistogram-style log-linear histogram of nanosecond values.
//
// Layout: values below 2^(p+1) have their own exact counter; above, every power-of-two range
// [2^(p+k), 2^(p+k+1)) is split into 2^p equal sub-buckets of width 2^k. A bucket is therefore
// never wider than 2^-p of its lower edge, and reporting the bucket midpoint bounds the relative
// error by 2^-(p+1): p = 10 gives ≤ 0.049 % (the loadgen's 0.1 % budget with margin).
//
// Memory is allocated once, in the constructor, and depends only on (highest, p), never on the
// number of samples: recording is a clz, two shifts and one add. Values above `highest` are
// clamped to it and counted in clamped(): they stay in the tail (a 2-hour stall reads as
// "≥ highest", never disappears). There is no lower clamp: 0 ns and sub-microsecond values are
// exact, because the first 2^(p+1) counters are one nanosecond wide.
//
// Sums are kept exactly (128-bit), so mean() is exact and merge() is exactly the histogram of
// the concatenated samples (same counters, same min/max/sums). parts() and from_parts() give
// the lossless form a report carries, so histograms merged from reports are exact too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wpm {

inline constexpr uint64_t kNsPerSecond = 1'000'000'000ull;
inline constexpr uint64_t kHourNs = 3600 * kNsPerSecond;
inline constexpr int kFinePrecisionBits = 10;   // ≤ 0.049 % error: summary histograms
inline constexpr int kCoarsePrecisionBits = 6;  // ≤ 0.8 % error: per-second timeline

struct SpectrumPoint {
  double percentile = 0;  // 0 … 100
  uint64_t value_ns = 0;
  uint64_t rank = 0;  // nearest rank of this percentile: samples at or below it
};

__extension__ using Uint128 = unsigned __int128;

// Everything a histogram holds, without the zero counters: its layout, the non-zero buckets
// (counter index, count) in ascending order, and the exact moments.
struct HistogramParts {
  uint64_t highest_ns = 0;
  int precision_bits = 0;
  uint64_t count = 0, clamped = 0, min_ns = 0, max_ns = 0;
  Uint128 sum_ns = 0, sum_squares_ns = 0;
  std::vector<std::pair<size_t, uint64_t>> buckets;
};

// Count is the counter type: uint64_t for run-long histograms, uint32_t for per-second ones
// (half the memory; one thread never completes 4e9 requests in one second).
template <class Count>
class BasicHistogram {
 public:
  BasicHistogram() : BasicHistogram(kHourNs, kFinePrecisionBits) {}
  explicit BasicHistogram(uint64_t highest_ns, int precision_bits = kFinePrecisionBits);

  BasicHistogram(const BasicHistogram&) = default;
  BasicHistogram& operator=(const BasicHistogram&) = default;
  BasicHistogram(BasicHistogram&&) noexcept = default;
  BasicHistogram& operator=(BasicHistogram&&) noexcept = default;

  void record(uint64_t value_ns) { record_n(value_ns, 1); }
  void record_n(uint64_t value_ns, Count n);
  // Adds other's samples. Layouts (highest, precision) must match: a mismatch is a bug.
  void merge(const BasicHistogram& other);
  void reset();

  HistogramParts parts() const;
  // The histogram `parts` describes, or nullopt with the reason in *why: a layout outside the
  // supported range, a bucket index out of range or out of order, counts that do not add up.
  static std::optional<BasicHistogram> from_parts(const HistogramParts& parts, std::string* why);

  uint64_t count() const { return total_; }
  uint64_t clamped() const { return clamped_; }  // samples that were above highest()
  uint64_t min() const { return total_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const;   // exact up to the final division
  double stdev() const;  // population standard deviation
  // Nearest-rank percentile, q in [0, 100]: the sample of rank ceil(q/100 · count) (rank ≥ 1),
  // reported as its bucket's midpoint clamped into [min, max]. 0 when empty.
  uint64_t percentile(double q) const;
  // Several percentiles in one pass over the counters; qs must be ascending.
  std::vector<uint64_t> percentiles(const std::vector<double>& qs) const;
  // Log-spaced spectrum as wrk2/HdrHistogram print it: `ticks` steps in each halving of the
  // remaining distance to 100 (0, 10, …, 50, 55, …, 75, 77.5, …), ending with 100 (= max).
  std::vector<SpectrumPoint> spectrum(int ticks_per_half_distance = 5) const;

  uint64_t highest() const { return highest_; }
  int precision_bits() const { return precision_; }
  // Bytes owned (object + counters); fixed at construction.
  size_t memory_bytes() const { return sizeof(*this) + counts_.size() * sizeof(Count); }
  size_t counter_count() const { return counts_.size(); }

  // Bucket geometry, public for tests: the counter of a value and the range it stands for.
  size_t index_of(uint64_t value_ns) const;
  uint64_t bucket_low(size_t index) const;
  uint64_t bucket_width(size_t index) const;

 private:
  using U128 = Uint128;

  uint64_t representative(size_t index) const;

  uint64_t highest_;
  int precision_;
  std::vector<Count> counts_;  // sized once in the constructor, never resized
  uint64_t total_ = 0;
  uint64_t clamped_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  U128 sum_ = 0;
  U128 sum_squares_ = 0;
};

// Nearest rank of percentile q among n samples, in [1, n] (0 when n == 0). Robust to the
// binary representation of q (99.9 % of 1000 is rank 999, not 1000).
uint64_t percentile_rank(double q, uint64_t n);

extern template class BasicHistogram<uint64_t>;
extern template class BasicHistogram<uint32_t>;
using Histogram = BasicHistogram<uint64_t>;
using CoarseHistogram = BasicHistogram<uint32_t>;

}  // namespace wpm
