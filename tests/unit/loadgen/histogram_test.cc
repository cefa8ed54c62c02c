// The histogram against exact sorted samples: every percentile within 0.1 % of the true
// nearest-rank sample, merge identical to recording the concatenation, memory independent of
// the number of samples.
#include "loadgen/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "tests/unit/loadgen/alloc_counter.h"

namespace wpm::loadgen {
namespace {

// Independent reference: nearest rank with q in units of 1e-4 %, in integers.
uint64_t reference_rank(double q, uint64_t n) {
  auto q_e4 = static_cast<uint64_t>(std::llround(q * 10000));
  uint64_t rank = (q_e4 * n + 999'999) / 1'000'000;
  return std::clamp<uint64_t>(rank, 1, n);
}

std::vector<double> grid() {
  std::vector<double> qs{0, 0.1, 1, 2.5, 10, 25, 33.3, 50, 66.7, 75, 90, 95, 97, 99, 99.5, 99.9, 99.99, 99.999, 100};
  for (int i = 1; i < 1000; i += 7) qs.push_back(i / 10.0);
  std::sort(qs.begin(), qs.end());
  return qs;
}

// Asserts every percentile of h is within 0.1 % of the exact sample (and reports the worst).
void expect_matches(const Histogram& h, std::vector<uint64_t> samples, double budget = 1e-3) {
  std::sort(samples.begin(), samples.end());
  ASSERT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.max(), samples.back());
  double worst = 0;
  std::vector<double> qs = grid();
  std::vector<uint64_t> got = h.percentiles(qs);
  for (size_t i = 0; i < qs.size(); ++i) {
    uint64_t rank = reference_rank(qs[i], samples.size());
    ASSERT_EQ(percentile_rank(qs[i], samples.size()), rank) << "q=" << qs[i];
    uint64_t exact = samples[rank - 1];
    double err = exact == 0 ? (got[i] == 0 ? 0 : 1) : std::fabs(double(got[i]) - double(exact)) / double(exact);
    worst = std::max(worst, err);
    EXPECT_LE(err, budget) << "q=" << qs[i] << " exact=" << exact << " got=" << got[i];
    EXPECT_EQ(h.percentile(qs[i]), got[i]);
  }
  for (const SpectrumPoint& p : h.spectrum()) {
    uint64_t exact = samples[p.rank - 1];
    EXPECT_LE(std::fabs(double(p.value_ns) - double(exact)), budget * double(exact)) << p.percentile;
  }
  long double sum = 0;
  for (uint64_t v : samples) sum += v;
  long double mean = sum / samples.size();
  EXPECT_NEAR(h.mean(), double(mean), 1e-9 * double(mean) + 1e-9);
  long double var = 0;
  for (uint64_t v : samples) var += (v - mean) * (v - mean);
  double stdev = std::sqrt(double(var / samples.size()));
  EXPECT_NEAR(h.stdev(), stdev, 1e-6 * stdev + 1e-6);
  ::testing::Test::RecordProperty("worst_relative_error", std::to_string(worst));
}

Histogram record_all(const std::vector<uint64_t>& samples) {
  Histogram h;
  for (uint64_t v : samples) h.record(v);
  return h;
}

TEST(Histogram, GeometryBoundsRelativeWidth) {
  Histogram h;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200000; ++i) {
    uint64_t v = rng() % kHourNs;
    size_t index = h.index_of(v);
    ASSERT_LT(index, h.counter_count());
    uint64_t low = h.bucket_low(index), width = h.bucket_width(index);
    ASSERT_LE(low, v);
    ASSERT_LT(v, low + width);
    ASSERT_LE(double(width), double(low) / 1024.0 + 1.0) << v;
  }
  for (uint64_t v = 0; v < 2048; ++v) ASSERT_EQ(h.bucket_width(h.index_of(v)), 1u);
}

TEST(Histogram, RandomDistributionsWithinBudget) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> log_uniform(std::log(1e3), std::log(3.6e12));
  std::exponential_distribution<double> expo(1.0 / 2e6);
  std::lognormal_distribution<double> lognormal(std::log(5e5), 1.5);
  std::vector<std::vector<uint64_t>> sets(3);
  for (int i = 0; i < 100000; ++i) {
    sets[0].push_back(static_cast<uint64_t>(std::exp(log_uniform(rng))));
    sets[1].push_back(static_cast<uint64_t>(expo(rng)));
    sets[2].push_back(std::min<uint64_t>(static_cast<uint64_t>(lognormal(rng)), kHourNs));
  }
  for (const auto& samples : sets) expect_matches(record_all(samples), samples);
}

TEST(Histogram, AdversarialDistributionsWithinBudget) {
  std::vector<std::vector<uint64_t>> sets;
  sets.push_back(std::vector<uint64_t>(1000, 20'000'000));  // all identical
  std::vector<uint64_t> edges;  // both sides of every bucket boundary
  for (int bit = 1; bit < 42; ++bit) {
    uint64_t p = uint64_t{1} << bit;
    for (uint64_t v : {p - 1, p, p + 1, p + (p >> 10), p + (p >> 10) - 1}) edges.push_back(v);
  }
  sets.push_back(edges);
  std::vector<uint64_t> bimodal(990, 1000);  // 1 µs and 1 h: the tail is 1 % exactly
  bimodal.insert(bimodal.end(), 10, kHourNs);
  sets.push_back(bimodal);
  sets.push_back({0, 0, 0, 1, 2, 3});  // zeros are exact
  sets.push_back({7});
  std::vector<uint64_t> staircase;  // wide bucket's worst case: just below the next power
  for (int i = 0; i < 5000; ++i) staircase.push_back((uint64_t{1} << (11 + i % 30)) * 2 - 1 - i % 3);
  sets.push_back(staircase);
  for (const auto& samples : sets) expect_matches(record_all(samples), samples);
}

TEST(Histogram, ClampsAboveHighestAndCountsIt) {
  Histogram h(kNsPerSecond);
  h.record(5);
  h.record(2 * kNsPerSecond);
  h.record(kHourNs);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.clamped(), 2u);
  EXPECT_EQ(h.max(), kNsPerSecond);
  EXPECT_EQ(h.percentile(100), kNsPerSecond);  // still in the tail, at the bound
}

TEST(Histogram, MergeEqualsConcatenation) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(std::log(1e6), 2.0);
  Histogram whole, parts[3];
  std::vector<uint64_t> all;
  for (int i = 0; i < 60000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    all.push_back(std::min(v, kHourNs));
    whole.record(v);
    parts[i % 3].record(v);
  }
  Histogram merged;
  for (const Histogram& p : parts) merged.merge(p);
  EXPECT_EQ(merged.count(), whole.count());
  EXPECT_EQ(merged.clamped(), whole.clamped());
  EXPECT_EQ(merged.min(), whole.min());
  EXPECT_EQ(merged.max(), whole.max());
  EXPECT_EQ(merged.mean(), whole.mean());
  EXPECT_EQ(merged.stdev(), whole.stdev());
  std::vector<double> fine;
  for (int i = 0; i <= 100000; ++i) fine.push_back(i / 1000.0);
  EXPECT_EQ(merged.percentiles(fine), whole.percentiles(fine));
  expect_matches(merged, all);
}

TEST(Histogram, MergeOfEmptyAndResetAreNeutral) {
  Histogram a, empty;
  a.record(123456);
  a.merge(empty);
  EXPECT_EQ(a.count(), 1u);
  EXPECT_EQ(a.min(), 123456u);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.percentile(99), 0u);
  EXPECT_EQ(a.min(), 0u);
}

TEST(HistogramDeathTest, MergeOfDifferentLayoutsAborts) {
  Histogram a(kHourNs), b(kNsPerSecond);
  EXPECT_DEATH(a.merge(b), "different layouts");
}

TEST(Histogram, MemoryIsFixedAndRecordNeverAllocates) {
  Histogram h;
  size_t before = h.memory_bytes();
  EXPECT_LT(before, 300u * 1024);  // 1 h at 0.05 %: ~33k counters
  std::mt19937_64 rng(3);
  uint64_t allocations = alloc_counter::count();
  for (int i = 0; i < 1'000'000; ++i) h.record(rng() % (2 * kHourNs));
  EXPECT_EQ(alloc_counter::count(), allocations);
  EXPECT_EQ(h.memory_bytes(), before);
  CoarseHistogram coarse(kHourNs, kCoarsePrecisionBits);
  EXPECT_LT(coarse.memory_bytes(), 10u * 1024);  // per thread-second of timeline
}

TEST(Histogram, CoarseHistogramWithinItsBudget) {
  std::mt19937_64 rng(9);
  std::exponential_distribution<double> expo(1.0 / 3e7);
  CoarseHistogram h(kHourNs, kCoarsePrecisionBits);
  std::vector<uint64_t> samples;
  for (int i = 0; i < 20000; ++i) {
    samples.push_back(static_cast<uint64_t>(expo(rng)));
    h.record(samples.back());
  }
  std::sort(samples.begin(), samples.end());
  for (double q : {50.0, 90.0, 99.0, 99.9}) {
    uint64_t exact = samples[reference_rank(q, samples.size()) - 1];
    EXPECT_LE(std::fabs(double(h.percentile(q)) - double(exact)), exact / 128.0 + 1) << q;
  }
}

TEST(Histogram, SpectrumIsLogSpacedAndEndsAtMax) {
  Histogram h;
  for (uint64_t i = 1; i <= 10000; ++i) h.record(i * 1000);
  std::vector<SpectrumPoint> s = h.spectrum(5);
  ASSERT_GT(s.size(), 40u);
  EXPECT_EQ(s.front().percentile, 0);
  EXPECT_EQ(s.back().percentile, 100);
  EXPECT_EQ(s.back().value_ns, h.max());
  EXPECT_DOUBLE_EQ(s[5].percentile, 50);
  EXPECT_DOUBLE_EQ(s[10].percentile, 75);
  for (size_t i = 1; i < s.size(); ++i) {
    EXPECT_GT(s[i].percentile, s[i - 1].percentile);
    EXPECT_GE(s[i].value_ns, s[i - 1].value_ns);
  }
}

}  // namespace
}  // namespace wpm::loadgen
