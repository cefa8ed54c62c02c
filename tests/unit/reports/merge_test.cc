// reports/merge.h: K generators' reports, written to JSON and read back, merge into exactly the
// histogram of all their samples; counts and errors add up; the timeline aligns on wall time;
// reports of different scenarios, layouts, versions or a repeated segment are refused.
#include "reports/merge.h"

#include <gtest/gtest.h>

#include <random>

#include "core/histogram_summary.h"
#include "reports/json_report.h"

namespace wpm {
namespace {

constexpr double kStart = 1'800'000'000.0;  // a wall-clock measured start, unix seconds

// One generator's report: segment `index` of `count`, its samples recorded in its histograms.
BenchResult generator_report(uint32_t index, uint32_t count, const std::vector<uint64_t>& samples_ns,
                             double start_unix_s) {
  BenchResult r;
  r.execution.segment_index = index;
  r.execution.segment_count = count;
  r.config = {{"load.connections", "16"}, {"load.rate", "0"}, {"load.segment", std::to_string(index) + "/" + std::to_string(count)},
              {"load.start_at", "+5s"}, {"report.out", "gen" + std::to_string(index)}};
  ClassResult c;
  c.worker_class = "target";
  c.target_url = "http://127.0.0.1:8000/";
  c.duration_s = 2;
  c.connections = 4;
  c.interval_s = 0.1;
  c.measured_start_unix_s = start_unix_s;
  c.start_offset_s = start_unix_s - kStart;
  ClassHistograms h;
  for (uint64_t ns : samples_ns) h.latency.record(ns), h.service.record(ns / 2), h.queue.record(ns - ns / 2);
  c.latency = summarize(h.latency);
  c.histograms = h;
  c.responses = c.requests_sent = samples_ns.size();
  c.reconciliation.client_completed = c.responses;
  c.errors.timeout = index + 1;
  c.errors.status[503] = 2;
  for (int i = 0; i < 20; ++i) c.timeline.push_back({i * 0.1, 10, 1, 0.001 * (index + 1), 0});
  r.classes.push_back(c);
  return r;
}

NamedReport round_trip(const std::string& name, const BenchResult& r) {
  Result<BenchResult> parsed = parse_bench_json(render_bench_json(r));
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  return {name, parsed ? *parsed : BenchResult{}};
}

std::vector<uint64_t> samples(std::mt19937_64& rng, size_t n) {
  std::lognormal_distribution<double> dist(13.0, 1.2);  // ~0.4 ms median, a long tail
  std::vector<uint64_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint64_t>(dist(rng)));
  return out;
}

TEST(ReportMerge, MergedHistogramIsTheHistogramOfAllSamples) {
  std::mt19937_64 rng(99);
  for (uint32_t k : {1u, 2u, 4u, 7u}) {
    Histogram all;
    std::vector<NamedReport> reports;
    for (uint32_t i = 0; i < k; ++i) {
      std::vector<uint64_t> s = samples(rng, 1500 + 250 * i);
      for (uint64_t ns : s) all.record(ns);
      reports.push_back(round_trip("g" + std::to_string(i) + ".json", generator_report(i, k, s, kStart + 0.0004 * i)));
    }
    Result<BenchResult> merged = merge_reports(reports);
    ASSERT_TRUE(merged) << merged.error().message;
    const ClassResult& c = merged->classes.at(0);
    ASSERT_TRUE(c.histograms);
    HistogramParts got = c.histograms->latency.parts(), want = all.parts();
    EXPECT_EQ(got.buckets, want.buckets);
    EXPECT_EQ(got.count, want.count);
    EXPECT_EQ(got.min_ns, want.min_ns);
    EXPECT_EQ(got.max_ns, want.max_ns);
    EXPECT_TRUE(got.sum_ns == want.sum_ns && got.sum_squares_ns == want.sum_squares_ns);
    for (double q : {50.0, 90.0, 99.0, 99.9, 99.99, 100.0})
      EXPECT_EQ(c.histograms->latency.percentile(q), all.percentile(q)) << "p" << q << " of " << k;
    LatencySummary expected = summarize(all);
    EXPECT_EQ(c.latency.p99_s, expected.p99_s);
    EXPECT_EQ(c.latency.p999_s, expected.p999_s);
    EXPECT_EQ(c.latency.mean_s, expected.mean_s);
    EXPECT_EQ(c.responses, all.count());
  }
}

TEST(ReportMerge, CountsErrorsAndTimelineAddUpOnWallTime) {
  std::mt19937_64 rng(5);
  std::vector<NamedReport> reports;
  // Generator 1 started 0.1 s (one interval) later: its points shift by one.
  reports.push_back(round_trip("a.json", generator_report(0, 2, samples(rng, 100), kStart)));
  reports.push_back(round_trip("b.json", generator_report(1, 2, samples(rng, 100), kStart + 0.1)));
  Result<BenchResult> merged = merge_reports(reports);
  ASSERT_TRUE(merged) << merged.error().message;
  const ClassResult& c = merged->classes.at(0);
  EXPECT_EQ(c.connections, 8u);
  EXPECT_EQ(c.errors.timeout, 1u + 2u);
  EXPECT_EQ(c.errors.status.at(503), 4u);
  EXPECT_DOUBLE_EQ(c.measured_start_unix_s, kStart);
  EXPECT_NEAR(c.duration_s, 2.1, 1e-6);  // unix seconds as doubles: ~0.2 µs resolution
  ASSERT_EQ(c.timeline.size(), 21u);
  EXPECT_EQ(c.timeline[0].completed, 10u);
  EXPECT_EQ(c.timeline[1].completed, 20u);
  EXPECT_EQ(c.timeline[20].completed, 10u);
  EXPECT_DOUBLE_EQ(c.timeline[1].p99_s, 0.002);  // the larger of the two
  EXPECT_EQ(merged->execution.merged_from, (std::vector<std::string>{"a.json", "b.json"}));
  ASSERT_TRUE(c.start_offset_s);
  EXPECT_NEAR(*c.start_offset_s, 0.1, 1e-6);
}

TEST(ReportMerge, RefusesMismatchedReports) {
  std::mt19937_64 rng(3);
  auto pair_with = [&](auto change) {
    BenchResult b = generator_report(1, 2, samples(rng, 50), kStart);
    change(b);
    return std::vector<NamedReport>{{"a.json", generator_report(0, 2, samples(rng, 50), kStart)}, {"b.json", b}};
  };
  auto refused = [](const std::vector<NamedReport>& in, const std::string& words) {
    Result<BenchResult> r = merge_reports(in);
    ASSERT_FALSE(r) << words;
    EXPECT_EQ(r.error().exit_code, kExitUsage);
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  };
  refused(pair_with([](BenchResult& b) { b.config["load.connections"] = "8"; }), "load.connections");
  refused(pair_with([](BenchResult& b) { b.schema_version = 2; }), "schema version");
  refused(pair_with([](BenchResult& b) { b.execution.segment_index = 0; }), "given twice");
  refused(pair_with([](BenchResult& b) { b.execution.segment_count = 3; }), "segment counts");
  refused(pair_with([](BenchResult& b) { b.classes[0].histograms->latency = Histogram(kHourNs, 8); }),
          "histogram layouts");
  refused(pair_with([](BenchResult& b) { b.classes[0].histograms.reset(); }), "lossless");
  refused({}, "no report");
  // What may differ between generators does not stop the merge.
  ASSERT_TRUE(merge_reports(pair_with([](BenchResult& b) { b.config["report.out"] = "elsewhere"; })));
}

TEST(ReportMerge, HistogramJsonRejectsBucketsOutsideTheLayout) {
  std::mt19937_64 rng(1);
  std::string doc = render_bench_json(generator_report(0, 1, samples(rng, 10), kStart));
  size_t at = doc.find("\"count\": 10,\n", doc.find("\"layout\": \"log-linear\""));
  ASSERT_NE(at, std::string::npos);
  std::string broken = doc;
  broken.replace(at, 12, "\"count\": 11,");  // bucket counts no longer add up to count
  Result<BenchResult> r = parse_bench_json(broken);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("add up"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace wpm
