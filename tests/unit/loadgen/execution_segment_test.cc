// Segment arithmetic: for every N <= 64 and many totals, the shares sum exactly to the whole
// and differ by at most one; the constant-rate schedules of all segments and threads together
// are exactly the whole scenario's schedule.
#include "loadgen/execution_segment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "loadgen/schedule.h"

namespace wpm::loadgen {
namespace {

std::vector<uint64_t> totals_to_try() {
  std::vector<uint64_t> out;
  for (uint64_t t = 0; t <= 300; ++t) out.push_back(t);
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200; ++i) out.push_back(rng() % 1'000'000'000'000ull);
  out.push_back(UINT64_MAX);
  out.push_back(UINT64_MAX - 1);
  return out;
}

TEST(ExecutionSegment, IntegerSharesSumExactlyAndDifferByAtMostOne) {
  for (uint32_t n = 1; n <= kMaxSegments; ++n) {
    for (uint64_t total : totals_to_try()) {
      unsigned __int128 sum = 0;
      uint64_t lo = UINT64_MAX, hi = 0, previous = UINT64_MAX;
      for (uint32_t i = 0; i < n; ++i) {
        uint64_t share = segment_share(total, {i, n});
        sum += share;
        lo = std::min(lo, share), hi = std::max(hi, share);
        ASSERT_LE(share, previous) << "earlier segments get the remainder: " << total << " over " << n;
        previous = share;
      }
      ASSERT_TRUE(sum == total) << total << " over " << n;
      ASSERT_LE(hi - lo, 1u) << total << " over " << n;
    }
  }
}

TEST(ExecutionSegment, TenConnectionsOverThreeAreFourThreeThree) {
  EXPECT_EQ(segment_share(10, {0, 3}), 4u);
  EXPECT_EQ(segment_share(10, {1, 3}), 3u);
  EXPECT_EQ(segment_share(10, {2, 3}), 3u);
}

TEST(ExecutionSegment, RateSharesAreEqualAndSumToTheRate) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> rates(0.001, 1e7);
  for (uint32_t n = 1; n <= kMaxSegments; ++n) {
    for (int k = 0; k < 200; ++k) {
      double rate = k == 0 ? 1000 : rates(rng);
      long double sum = 0;
      for (uint32_t i = 0; i < n; ++i) {
        ASSERT_EQ(segment_rate(rate, {i, n}), segment_rate(rate, {0, n}));
        sum += segment_rate(rate, {i, n});
      }
      ASSERT_NEAR(static_cast<double>(sum), rate, rate * 1e-12) << rate << " over " << n;
    }
  }
}

// The first `per_thread` intended instants of every thread of every segment, in units of the
// whole scenario's period 1/rate: together they must be 0, 1, 2, … with no gap or repeat.
TEST(ExecutionSegment, ConstantSchedulesOfAllSegmentsInterleaveIntoTheWholeSchedule) {
  const double rate = 1000;
  const uint64_t period_ns = 1'000'000;  // 1 / rate
  for (uint32_t n : {1u, 2u, 3u, 4u, 7u, 64u}) {
    for (uint32_t threads : {1u, 2u, 3u}) {
      std::vector<uint64_t> slots;
      const int per_thread = 50;
      for (uint32_t i = 0; i < n; ++i)
        for (uint32_t t = 0; t < threads; ++t) {
          ArrivalSchedule s(segment_rate(rate, {i, n}) / threads, false, segment_seed(1, t, {i, n}),
                            segment_phase(t, threads, {i, n}));
          s.begin(0);
          for (int k = 0; k < per_thread; ++k, s.advance()) {
            double slot = static_cast<double>(s.next_ns()) / period_ns;
            ASSERT_NEAR(slot, std::round(slot), 1e-3) << "off the whole schedule's grid";
            slots.push_back(static_cast<uint64_t>(std::llround(slot)));
          }
        }
      std::sort(slots.begin(), slots.end());
      for (size_t m = 0; m < slots.size(); ++m) ASSERT_EQ(slots[m], m) << n << " segments, " << threads << " threads";
    }
  }
}

TEST(ExecutionSegment, EverySegmentAndThreadDrawsItsOwnSeed) {
  std::set<uint64_t> seeds;
  for (uint32_t i = 0; i < kMaxSegments; ++i)
    for (uint32_t t = 0; t < 64; ++t) seeds.insert(segment_seed(1, t, {i, kMaxSegments}));
  EXPECT_EQ(seeds.size(), size_t{kMaxSegments} * 64);
  EXPECT_EQ(segment_seed(1, 3, {0, 1}), 1 * 1000003ull + 3);  // the whole scenario: seeds as before
}

TEST(ExecutionSegment, ParsesIOverNAndRejectsTheRest) {
  Result<ExecutionSegment> s = parse_segment("3/4");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->index, 3u);
  EXPECT_EQ(s->count, 4u);
  EXPECT_EQ(s->text(), "3/4");
  ASSERT_TRUE(parse_segment("63/64"));
  for (const char* bad : {"", "4/4", "0/0", "0/65", "1", "a/4", "1/b", "-1/4", "1/4/2", " 1/4", "1/ 4"}) {
    Result<ExecutionSegment> r = parse_segment(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().exit_code, kExitUsage);
    EXPECT_NE(r.error().message.find("I/N"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace wpm::loadgen
