#include "reports/regression.h"

#include <gtest/gtest.h>

#include "tests/unit/reports/fixture.h"

namespace wpm {
namespace {

std::vector<Threshold> parse_ok(std::string_view expr) {
  Result<std::vector<Threshold>> r = parse_fail_on(expr);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : std::vector<Threshold>{};
}

TEST(FailOn, ParsesTheDocumentedForms) {
  auto t = parse_ok("p99>+10%,rps<-5%");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].metric, GateMetric::p99);
  EXPECT_TRUE(t[0].above && t[0].relative && t[0].percent);
  EXPECT_DOUBLE_EQ(t[0].value, 0.10);
  EXPECT_EQ(t[0].text, "p99>+10%");
  EXPECT_EQ(t[1].metric, GateMetric::rps);
  EXPECT_FALSE(t[1].above);
  EXPECT_DOUBLE_EQ(t[1].value, -0.05);

  t = parse_ok(" p99.9 > +5ms ; max>250ms, errors>0, error_rate>1%, p50>+800us, rps<1000 ,");
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[0].metric, GateMetric::p999);
  EXPECT_TRUE(t[0].relative && !t[0].percent);
  EXPECT_DOUBLE_EQ(t[0].value, 0.005);
  EXPECT_FALSE(t[1].relative);
  EXPECT_DOUBLE_EQ(t[1].value, 0.25);
  EXPECT_EQ(t[2].metric, GateMetric::errors);
  EXPECT_DOUBLE_EQ(t[3].value, 0.01);
  EXPECT_FALSE(t[3].relative);
  EXPECT_DOUBLE_EQ(t[4].value, 0.0008);
  EXPECT_DOUBLE_EQ(t[5].value, 1000);
  EXPECT_TRUE(needs_baseline(t));
  EXPECT_FALSE(needs_baseline(parse_ok("p99>1s")));
}

void expect_usage_error(std::string_view expr, std::string_view needle) {
  Result<std::vector<Threshold>> r = parse_fail_on(expr);
  ASSERT_FALSE(r.ok()) << expr;
  EXPECT_EQ(r.error().exit_code, kExitUsage);
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
}

TEST(FailOn, MalformedExpressionsSayWhy) {
  expect_usage_error("p99", "--fail-on: 'p99': expected METRIC>VALUE or METRIC<VALUE");
  expect_usage_error("p42>+1%", "unknown metric 'p42' (rps, p50");
  expect_usage_error("rps<-5%,p99>10", "'p99>10': a latency needs a unit (ns, us, ms, s)");
  expect_usage_error("rps<5%", "a percentage needs a sign (+10% or -5%)");
  expect_usage_error("p99>+x%", "expected a number after '>'");
  expect_usage_error("p99>+10%%", "unknown unit '%%'");
  expect_usage_error("rps<-5ms", "unexpected unit 'ms'");
  expect_usage_error("error_rate>0.01", "error_rate takes a percentage");
  expect_usage_error(" , ", "no threshold");
}

TEST(RegressionGate, PassesOnAnIdenticalBaseline) {
  BenchResult b = test::make_bench_result();
  GateReport r = regression_gate(b, &b, parse_ok("p99>+10%,rps<-5%,errors>+0"));
  EXPECT_TRUE(r.passed) << r.table;
  EXPECT_EQ(r.rows.size(), 9u);
  EXPECT_NE(r.table.find("regression gate: passed (0 of 9 check(s) failed)"), std::string::npos);
  EXPECT_TRUE(r.notes.empty());
}

TEST(RegressionGate, FailsOnASyntheticRegression) {
  BenchResult base = test::make_bench_result();
  BenchResult now = base;
  now.classes[1].latency.p99_s *= 1.2;     // thread: p99 20 % slower
  now.classes[2].achieved_rate *= 0.9;     // gevent: 10 % less throughput
  now.classes[0].latency.p99_s *= 0.5;     // sync got faster: never a failure
  GateReport r = regression_gate(now, &base, parse_ok("p99>+10%,rps<-5%"));
  EXPECT_FALSE(r.passed);
  size_t failed = 0;
  for (const GateRow& row : r.rows) {
    bool expect_fail = (row.worker_class == "thread" && row.check == "p99>+10%") ||
                       (row.worker_class == "gevent" && row.check == "rps<-5%");
    EXPECT_EQ(row.failed, expect_fail) << row.worker_class << " " << row.check;
    failed += row.failed;
  }
  EXPECT_EQ(failed, 2u);
  EXPECT_NE(r.table.find("thread  p99>+10%"), std::string::npos) << r.table;
  EXPECT_NE(r.table.find("+20.0%"), std::string::npos) << r.table;
  EXPECT_NE(r.table.find("-10.0%"), std::string::npos) << r.table;
  EXPECT_NE(r.table.find("-50.0%"), std::string::npos) << r.table;
  EXPECT_NE(r.table.find("FAIL"), std::string::npos);
  EXPECT_NE(r.table.find("regression gate: FAILED (2 of 6 check(s) failed)"), std::string::npos);
}

TEST(RegressionGate, ABaselineOfAnotherScenarioIsWarnedAbout) {
  BenchResult now = test::make_bench_result();
  EXPECT_TRUE(scenario_differences(now, now).empty());
  BenchResult base = now;
  base.config["load.paths"] = "/,/sleep/5";
  base.config["load.duration"] = "30s";
  base.config["rate"] = "500";  // a schema-1 baseline's name for load.rate
  base.config["inject.events"] = "1s:abort";
  base.classes.pop_back();
  std::vector<std::string> w = scenario_differences(now, base);
  ASSERT_EQ(w.size(), 5u) << ::testing::PrintToString(w);
  EXPECT_NE(w[0].find("the baseline ran other worker classes ("), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("the baseline ran other paths (/,/sleep/5, now "), std::string::npos) << w[1];
  EXPECT_NE(w[2].find("duration (30s, now "), std::string::npos) << w[2];
  EXPECT_NE(w[3].find("rate (req/s) (500, now "), std::string::npos) << w[3];
  EXPECT_NE(w[4].find("injected signals (1s:abort, now none)"), std::string::npos) << w[4];
  GateReport r = regression_gate(now, &base, parse_ok("rps<-99%"));
  EXPECT_EQ(r.warnings, w);
  EXPECT_NE(r.table.find("WARNING: the baseline ran other paths"), std::string::npos) << r.table;
}

TEST(RegressionGate, AbsoluteLimitsWithoutBaselineAndMissingClasses) {
  BenchResult now = test::make_bench_result();
  GateReport r = regression_gate(now, nullptr, parse_ok("p99>40ms,p99>+1%"));
  EXPECT_FALSE(r.passed);  // sync's p99 is 43.6 ms
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_TRUE(r.rows[0].failed);
  EXPECT_FALSE(r.rows[1].failed);
  EXPECT_EQ(r.notes.size(), 3u);
  EXPECT_NE(r.table.find("note: sync: no baseline given, relative checks skipped"), std::string::npos);

  BenchResult base = now;
  base.classes.erase(base.classes.begin());          // sync not in the baseline
  base.classes.push_back(base.classes.front());
  base.classes.back().worker_class = "eventlet";     // eventlet not in this run
  r = regression_gate(now, &base, parse_ok("rps<-5%"));
  EXPECT_TRUE(r.passed) << r.table;
  EXPECT_NE(r.table.find("note: sync: not in the baseline, relative checks skipped"), std::string::npos);
  EXPECT_NE(r.table.find("note: eventlet: in the baseline but not in this run"), std::string::npos);
}

}  // namespace
}  // namespace wpm
