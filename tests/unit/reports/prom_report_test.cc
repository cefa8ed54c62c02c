#include "reports/prom_report.h"

#include <gtest/gtest.h>

#include "reports/bench_families.h"
#include "reports/exposition_check.h"
#include "reports/exposition_parse.h"
#include "tests/unit/reports/fixture.h"
#include "tests/unit/reports/subprocess.h"

namespace wpm {
namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& p : v) s += p + "\n";
  return s;
}

size_t count(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

void expect_strictly_valid(const std::string& text) {
  EXPECT_EQ(joined(check_exposition(text, {.allow_timestamps = false, .require_help = true})), "");
}

void expect_promtool_accepts(const std::string& text) {
  test::RunResult r = test::run_process({"promtool", "check", "metrics"}, text, 60);
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "");
}

// Sum of a family's samples carrying worker_class=`cls`.
double class_sum(const std::string& text, std::string_view family, std::string_view cls) {
  std::vector<prom::Problem> problems;
  prom::Exposition e = prom::parse_exposition(text, problems);
  double sum = 0;
  for (const prom::Family& f : e.families) {
    if (f.name != family) continue;
    for (const prom::Sample& s : f.samples)
      for (const prom::Label& l : s.labels)
        if ((cls.empty() || (l.name == "worker_class" && l.value == cls))) { sum += s.value; break; }
  }
  return sum;
}

TEST(PromReport, PassesPromtoolAndTheStrictChecker) {
  std::string text = render_bench_prometheus(test::make_bench_result());
  expect_strictly_valid(text);
  expect_promtool_accepts(text);
}

TEST(PromReport, EveryBenchFamilyOnceAsAGauge) {
  std::string text = render_bench_prometheus(test::make_bench_result());
  for (const BenchFamilyDef& def : bench_family_table()) {
    EXPECT_EQ(count(text, "# TYPE " + std::string(def.name) + " gauge\n"), 1u) << def.name;
    EXPECT_TRUE(def.name.starts_with(kBenchFamilyPrefix));
  }
  EXPECT_NE(text.find("wpm_bench_reconciled{worker_class=\"thread\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("wpm_bench_reconciled{worker_class=\"sync\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("wpm_bench_requests_per_second{worker_class=\"sync\"} 3000.25\n"),
            std::string::npos);
  EXPECT_NE(text.find("wpm_bench_latency_seconds{worker_class=\"gevent\",percentile=\"99.9\"} "),
            std::string::npos);
  EXPECT_NE(text.find("wpm_bench_error_responses{worker_class=\"sync\",code=\"503\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("wpm_bench_worker_restarts{worker_class=\"thread\",reason=\"abort\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("wpm_bench_injected_signals{worker_class=\"sync\",signal=\"quit\"} 1\n"),
            std::string::npos);
}

TEST(PromReport, ScrapesMergedOncePerFamilyWithWorkerClass) {
  BenchResult b = test::make_bench_result();
  std::string text = render_bench_prometheus(b);
  EXPECT_EQ(count(text, "# TYPE gunicorn_worker_requests_total counter\n"), 1u);
  EXPECT_EQ(count(text, "# TYPE gunicorn_worker_request_duration_seconds histogram\n"), 1u);
  for (const ClassResult& c : b.classes) {
    double merged = class_sum(text, "gunicorn_worker_requests_total", c.worker_class);
    double original = class_sum(c.final_scrape, "gunicorn_worker_requests_total", "");
    EXPECT_GT(original, 0);
    EXPECT_EQ(merged, original) << c.worker_class;
  }
  EXPECT_EQ(text.find("# wpm:"), std::string::npos) << "nothing should be left out";
}

TEST(PromReport, InvalidScrapeLeftOutWithANote) {
  BenchResult b = test::make_bench_result();
  b.classes[1].final_scrape = "# TYPE x gauge\nx 1\nx 2\n";  // duplicate series
  std::string text = render_bench_prometheus(b);
  EXPECT_NE(text.find("# wpm: final scrape of thread left out: line 3: duplicate series x"),
            std::string::npos);
  EXPECT_EQ(class_sum(text, "gunicorn_worker_requests_total", "thread"), 0);
  EXPECT_GT(class_sum(text, "gunicorn_worker_requests_total", "sync"), 0);
  expect_strictly_valid(text);
}

TEST(PromReport, TypeConflictAcrossClassesLeavesTheFamilyOut) {
  BenchResult b = test::make_bench_result();
  b.classes.resize(2);
  b.classes[0].final_scrape = "# TYPE up gauge\nup 1\n";
  b.classes[1].final_scrape = "# TYPE up counter\nup 1\n# TYPE other gauge\nother{worker_class=\"x\"} 2 1700000000000\n";
  std::string text = render_bench_prometheus(b);
  EXPECT_NE(text.find("# wpm: family up of thread left out: it is a counter in one class and a gauge"),
            std::string::npos);
  // A scraped worker_class label is kept under another name; timestamps are dropped.
  EXPECT_NE(text.find("other{worker_class=\"thread\",exported_worker_class=\"x\"} 2\n"),
            std::string::npos);
  expect_strictly_valid(text);
  expect_promtool_accepts(text);
}

TEST(PromReport, CollisionAcrossClassesDropsTheScrapes) {
  BenchResult b = test::make_bench_result();
  b.classes.resize(2);
  b.classes[0].final_scrape =
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n";
  b.classes[1].final_scrape = "# TYPE h_count gauge\nh_count 3\n";
  std::string text = render_bench_prometheus(b);
  EXPECT_NE(text.find("# wpm: final scrapes left out"), std::string::npos);
  expect_strictly_valid(text);
}

TEST(PromReport, RepeatedClassNamesStayDistinct) {
  BenchResult b = test::make_bench_result();
  b.classes[1].worker_class = "sync";
  b.classes[2].worker_class = "";
  EXPECT_EQ(class_label_values(b), (std::vector<std::string>{"sync", "sync#2", "unnamed"}));
  std::string text = render_bench_prometheus(b);
  EXPECT_NE(text.find("wpm_bench_responses{worker_class=\"sync#2\"}"), std::string::npos);
  expect_strictly_valid(text);
}

TEST(PromReport, EmptyResultIsValid) {
  BenchResult b;
  b.interrupted = true;
  std::string text = render_bench_prometheus(b);
  EXPECT_NE(text.find("wpm_bench_interrupted 1\n"), std::string::npos);
  expect_strictly_valid(text);
  expect_promtool_accepts(text);
}

}  // namespace
}  // namespace wpm
