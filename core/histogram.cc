#include "core/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace wpm {
namespace {

// Keeps value² · count inside 128 bits for any realistic count (2^50 ns ≈ 13 days).
constexpr uint64_t kMaxHighest = uint64_t{1} << 50;

[[noreturn]] void layout_bug(const char* what) {
  std::fprintf(stderr, "wpm histogram: %s\n", what);
  std::abort();
}

}  // namespace

uint64_t percentile_rank(double q, uint64_t n) {
  if (n == 0) return 0;
  q = std::clamp(q, 0.0, 100.0);
  long double exact = static_cast<long double>(q) * static_cast<long double>(n) / 100.0L;
  // q arrives in binary floating point (99.9 is 99.900000000000005…): forgive a relative
  // 1e-12 so that exact integer ranks are not pushed to the next sample.
  long double rank = std::ceil(exact - exact * 1e-12L);
  if (rank < 1) return 1;
  if (rank > static_cast<long double>(n)) return n;
  return static_cast<uint64_t>(rank);
}

template <class Count>
BasicHistogram<Count>::BasicHistogram(uint64_t highest_ns, int precision_bits)
    : highest_(highest_ns), precision_(precision_bits) {
  if (precision_bits < 1 || precision_bits > 20) layout_bug("precision_bits must be in [1, 20]");
  if (highest_ns < 1 || highest_ns > kMaxHighest) layout_bug("highest must be in [1, 2^50] ns");
  counts_.assign(index_of(highest_) + 1, 0);
}

template <class Count>
size_t BasicHistogram<Count>::index_of(uint64_t value_ns) const {
  int msb = 63 - __builtin_clzll(value_ns | 1);
  int shift = msb > precision_ ? msb - precision_ : 0;
  return (static_cast<size_t>(shift) << precision_) + static_cast<size_t>(value_ns >> shift);
}

template <class Count>
uint64_t BasicHistogram<Count>::bucket_low(size_t index) const {
  size_t exact_limit = size_t{2} << precision_;
  if (index < exact_limit) return index;
  size_t shift = (index >> precision_) - 1;
  uint64_t sub = index - (shift << precision_);
  return sub << shift;
}

template <class Count>
uint64_t BasicHistogram<Count>::bucket_width(size_t index) const {
  size_t exact_limit = size_t{2} << precision_;
  if (index < exact_limit) return 1;
  return uint64_t{1} << ((index >> precision_) - 1);
}

template <class Count>
uint64_t BasicHistogram<Count>::representative(size_t index) const {
  uint64_t mid = bucket_low(index) + (bucket_width(index) - 1) / 2;
  return std::clamp(mid, min_, max_);
}

template <class Count>
void BasicHistogram<Count>::record_n(uint64_t value_ns, Count n) {
  if (value_ns > highest_) {
    value_ns = highest_;
    clamped_ += n;
  }
  counts_[index_of(value_ns)] += n;
  total_ += n;
  min_ = std::min(min_, value_ns);
  max_ = std::max(max_, value_ns);
  U128 v = value_ns;
  sum_ += v * n;
  sum_squares_ += v * v * n;
}

template <class Count>
void BasicHistogram<Count>::merge(const BasicHistogram& other) {
  if (other.highest_ != highest_ || other.precision_ != precision_) {
    layout_bug("merge of histograms with different layouts");
  }
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  clamped_ += other.clamped_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  sum_squares_ += other.sum_squares_;
}

template <class Count>
void BasicHistogram<Count>::reset() {
  std::fill(counts_.begin(), counts_.end(), Count{0});
  total_ = clamped_ = max_ = 0;
  min_ = UINT64_MAX;
  sum_ = sum_squares_ = 0;
}

template <class Count>
HistogramParts BasicHistogram<Count>::parts() const {
  HistogramParts p{highest_, precision_, total_, clamped_, min(), max_, sum_, sum_squares_, {}};
  for (size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i] != 0) p.buckets.emplace_back(i, counts_[i]);
  return p;
}

template <class Count>
std::optional<BasicHistogram<Count>> BasicHistogram<Count>::from_parts(const HistogramParts& p,
                                                                       std::string* why) {
  auto refuse = [why](std::string text) {
    if (why != nullptr) *why = std::move(text);
    return std::nullopt;
  };
  if (p.precision_bits < 1 || p.precision_bits > 20) return refuse("precision_bits must be in [1, 20]");
  if (p.highest_ns < 1 || p.highest_ns > kMaxHighest) return refuse("highest_ns must be in [1, 2^50]");
  BasicHistogram h(p.highest_ns, p.precision_bits);
  uint64_t total = 0;
  size_t previous = 0;
  for (size_t k = 0; k < p.buckets.size(); ++k) {
    auto [index, n] = p.buckets[k];
    if (index >= h.counts_.size()) return refuse("bucket " + std::to_string(index) + " is beyond the layout");
    if (k > 0 && index <= previous) return refuse("buckets are not in ascending order");
    if (n == 0 || n > static_cast<uint64_t>(Count(~Count{0}))) return refuse("bucket count out of range");
    h.counts_[index] = static_cast<Count>(n);
    total += n;
    previous = index;
  }
  if (total != p.count) return refuse("bucket counts add up to " + std::to_string(total) + ", not count " + std::to_string(p.count));
  if (p.clamped > p.count) return refuse("clamped exceeds count");
  if (p.count > 0 && (p.min_ns > p.max_ns || p.max_ns > p.highest_ns ||
                      h.index_of(p.min_ns) != p.buckets.front().first ||
                      h.index_of(p.max_ns) != p.buckets.back().first))
    return refuse("min_ns/max_ns do not fall in the first and last buckets");
  h.total_ = p.count;
  h.clamped_ = p.clamped;
  if (p.count > 0) h.min_ = p.min_ns, h.max_ = p.max_ns;
  h.sum_ = p.sum_ns;
  h.sum_squares_ = p.sum_squares_ns;
  return h;
}

template <class Count>
double BasicHistogram<Count>::mean() const {
  if (total_ == 0) return 0;
  return static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(total_));
}

template <class Count>
double BasicHistogram<Count>::stdev() const {
  if (total_ == 0) return 0;
  // Σ(x − m)² around the integer part m of the mean, exactly in 128 bits (both differences
  // are ≥ 0 by Cauchy–Schwarz), so no catastrophic cancellation for tight distributions.
  U128 n = total_;
  U128 m = sum_ / n;
  U128 r = sum_ % n;
  U128 around_m = (sum_squares_ - m * sum_) - m * r;
  long double frac = static_cast<long double>(r) / static_cast<long double>(n);
  long double var = (static_cast<long double>(around_m) / static_cast<long double>(n)) - frac * frac;
  return var > 0 ? static_cast<double>(std::sqrt(var)) : 0.0;
}

template <class Count>
uint64_t BasicHistogram<Count>::percentile(double q) const {
  return percentiles({q})[0];
}

template <class Count>
std::vector<uint64_t> BasicHistogram<Count>::percentiles(const std::vector<double>& qs) const {
  std::vector<uint64_t> out(qs.size(), 0);
  if (total_ == 0) return out;
  size_t index = 0;
  uint64_t cumulative = counts_.empty() ? 0 : counts_[0];
  for (size_t k = 0; k < qs.size(); ++k) {
    uint64_t rank = percentile_rank(qs[k], total_);
    while (cumulative < rank && index + 1 < counts_.size()) cumulative += counts_[++index];
    // The extreme ranks are known exactly; a midpoint would understate max or overstate min.
    out[k] = rank == total_ ? max_ : rank == 1 ? min_ : representative(index);
  }
  return out;
}

template <class Count>
std::vector<SpectrumPoint> BasicHistogram<Count>::spectrum(int ticks_per_half_distance) const {
  int ticks = std::max(1, ticks_per_half_distance);
  std::vector<double> qs;
  for (int level = 0; level < 60; ++level) {
    double remaining = std::ldexp(1.0, -level);  // fraction of samples still above
    double low = 100.0 * (1.0 - remaining);
    for (int i = 0; i < ticks; ++i) qs.push_back(low + 50.0 * remaining * i / ticks);
    // Stop once the next halving holds less than one sample: further points all equal max.
    if (static_cast<double>(total_) * remaining * 0.5 < 1.0) break;
  }
  qs.push_back(100.0);
  std::vector<uint64_t> values = percentiles(qs);
  std::vector<SpectrumPoint> out(qs.size());
  for (size_t i = 0; i < qs.size(); ++i) {
    out[i] = SpectrumPoint{qs[i], values[i], percentile_rank(qs[i], total_)};
  }
  return out;
}

template class BasicHistogram<uint64_t>;
template class BasicHistogram<uint32_t>;

}  // namespace wpm
