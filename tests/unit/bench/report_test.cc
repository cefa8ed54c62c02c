// The end of a bench: files written, then the gate, and the exit code they decide together.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/bench.h"
#include "reports/json_report.h"

namespace wpm::bench {
namespace {

namespace fs = std::filesystem;

ClassResult sync_class(double rate, double p99_s) {
  ClassResult c;
  c.worker_class = "sync";
  c.duration_s = 1;
  c.responses = c.requests_sent = static_cast<uint64_t>(rate);
  c.achieved_rate = rate;
  c.latency.count = c.responses;
  c.latency.p50_s = c.latency.p90_s = c.latency.p99_s = c.latency.p999_s = p99_s;
  c.latency.max_s = c.latency.mean_s = p99_s;
  c.reconciliation.ok = true;
  return c;
}

class Report : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wpm-bench-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    options_.out_dir = dir_;
    outcome_.result.classes.push_back(sync_class(1000, 0.002));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_baseline(double rate, double p99_s) {
    BenchResult base;
    base.classes.push_back(sync_class(rate, p99_s));
    std::string path = dir_ + "/baseline.json";
    std::ofstream(path) << render_bench_json(base);
    return path;
  }

  std::string dir_;
  BenchOptions options_;
  BenchOutcome outcome_;
  std::ostringstream out_;
};

TEST_F(Report, WritesEveryFileAndNamesIt) {
  Result<int> code = report(options_, outcome_, out_);
  ASSERT_TRUE(code.ok()) << code.error().message;
  EXPECT_EQ(*code, kExitOk);
  for (const char* name : {"report.json", "report.prom", "report.html"}) {
    EXPECT_TRUE(fs::exists(dir_ + "/" + name)) << name;
    EXPECT_NE(out_.str().find("wrote " + dir_ + "/" + name), std::string::npos) << out_.str();
  }
  std::ifstream json(dir_ + "/report.json");
  std::string text((std::istreambuf_iterator<char>(json)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(parse_bench_json(text).ok());
}

TEST_F(Report, ARegressionAgainstTheBaselineExits3) {
  options_.baseline = write_baseline(1000, 0.001);  // p99 doubled since
  options_.fail_on = "p99>+10%";
  Result<int> code = report(options_, outcome_, out_);
  ASSERT_TRUE(code.ok()) << code.error().message;
  EXPECT_EQ(*code, kExitThreshold);
  EXPECT_NE(out_.str().find("p99>+10%"), std::string::npos) << out_.str();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(Report, TheGateVerdictIsInEveryReport) {
  options_.baseline = write_baseline(1000, 0.001);  // p99 doubled since
  options_.fail_on = "p99>+10%,rps<-5%";
  outcome_.result.config["load.duration"] = "10s";  // the baseline's config has none
  ASSERT_EQ(*report(options_, outcome_, out_), kExitThreshold);
  const GateResult& g = outcome_.result.gate;  // kept for the push that follows
  EXPECT_TRUE(g.applied);
  EXPECT_FALSE(g.passed);
  ASSERT_EQ(g.checks.size(), 2u);
  EXPECT_EQ(g.checks[0].check, "p99>+10%");
  EXPECT_DOUBLE_EQ(g.checks[0].baseline, 0.001);
  EXPECT_DOUBLE_EQ(g.checks[0].current, 0.002);
  EXPECT_TRUE(g.checks[0].failed);
  EXPECT_FALSE(g.checks[1].failed);
  ASSERT_EQ(g.warnings.size(), 1u);
  EXPECT_NE(g.warnings[0].find("duration"), std::string::npos);
  std::string json = read_file(dir_ + "/report.json");
  EXPECT_NE(json.find("\"gate\": {\n    \"applied\": true,\n    \"passed\": false"), std::string::npos);
  EXPECT_NE(json.find("\"scenario_warnings\": [\n      \"the baseline ran other duration"), std::string::npos);
  std::string prom = read_file(dir_ + "/report.prom");
  EXPECT_NE(prom.find("\nwpm_bench_gate_passed 0\n"), std::string::npos) << prom;
  EXPECT_NE(prom.find("\nwpm_bench_gate_scenario_mismatch 1\n"), std::string::npos);
  EXPECT_NE(prom.find("wpm_bench_gate_check_failed{worker_class=\"sync\",check=\"p99>+10%\"} 1"),
            std::string::npos);
  EXPECT_NE(prom.find("wpm_bench_gate_check_baseline{worker_class=\"sync\",check=\"p99>+10%\"} 0.001"),
            std::string::npos);
  EXPECT_NE(prom.find("\nwpm_bench_run_passed 0\n"), std::string::npos);
  std::string html = read_file(dir_ + "/report.html");
  size_t banner = html.find("<div id=\"gate\" class=\"verdict bad\">Regression gate: FAILED");
  ASSERT_NE(banner, std::string::npos);
  EXPECT_LT(banner, html.find("<h2>Summary</h2>"));  // at the top
  EXPECT_NE(html.find("Scenario mismatch: the baseline ran other duration"), std::string::npos);
}

TEST_F(Report, AFailedVerdictIsPrintedAndInTheFiles) {
  outcome_.result.verdict = {false, {"sync: no successful response"}};
  outcome_.exit_code = kExitThreshold;
  EXPECT_EQ(*report(options_, outcome_, out_), kExitThreshold);
  EXPECT_NE(out_.str().find("verdict: FAILED\n  sync: no successful response\n"), std::string::npos);
  EXPECT_NE(read_file(dir_ + "/report.html").find("Verdict: FAILED<ul><li>sync: no successful response"),
            std::string::npos);
  EXPECT_NE(read_file(dir_ + "/report.prom").find("\nwpm_bench_run_passed 0\n"), std::string::npos);
  Result<BenchResult> back = parse_bench_json(read_file(dir_ + "/report.json"));
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->verdict.passed);
  EXPECT_EQ(back->verdict.reasons, outcome_.result.verdict.reasons);
}

TEST_F(Report, AGatePassedKeepsTheMeasurementsExitCode) {
  options_.baseline = write_baseline(1000, 0.002);
  options_.fail_on = "p99>+10%";
  EXPECT_EQ(*report(options_, outcome_, out_), kExitOk);
  outcome_.exit_code = kExitThreshold;  // a class did not reconcile
  EXPECT_EQ(*report(options_, outcome_, out_), kExitThreshold);
}

TEST_F(Report, BadGateInputIsAUsageError) {
  options_.fail_on = "p99 is big";
  Result<int> bad = report(options_, outcome_, out_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().exit_code, kExitUsage);
  options_.fail_on = "p99>+10%";
  options_.baseline = dir_ + "/missing.json";
  Result<int> missing = report(options_, outcome_, out_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().exit_code, kExitUsage);
  EXPECT_NE(missing.error().message.find("missing.json"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ + "/report.json"));  // the reports come first, whatever the gate
}

TEST_F(Report, AnInterruptedRunKeepsItsReportsAndSkipsTheGate) {
  outcome_.result.interrupted = true;
  options_.fail_on = "p99 is big";  // never parsed
  Result<int> code = report(options_, outcome_, out_);
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().exit_code, kExitRuntime);
  EXPECT_NE(code.error().message.find("interrupted"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ + "/report.json"));
}

TEST_F(Report, AnUnwritableReportIsARuntimeError) {
  options_.json_path = dir_ + "/no/such/dir/report.json";
  Result<int> code = report(options_, outcome_, out_);
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().exit_code, kExitRuntime);
  EXPECT_NE(code.error().message.find(options_.json_path), std::string::npos);
}

}  // namespace
}  // namespace wpm::bench
