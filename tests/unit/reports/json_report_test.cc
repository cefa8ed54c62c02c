#include "reports/json_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/unit/reports/fixture.h"
#include "tests/unit/reports/subprocess.h"

namespace wpm {
namespace {

// Validates stdin against the schema with Debian's python3-jsonschema (draft 2020-12).
constexpr const char* kValidate = R"(
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(sys.stdin)))
for e in errors: print("/".join(str(p) for p in e.absolute_path), e.message)
sys.exit(1 if errors else 0)
)";

test::RunResult validate(const std::string& doc) {
  std::string schema = std::string(WPM_SOURCE_DIR) + "/docs/bench-report.schema.json";
  return test::run_process({"/usr/bin/python3", "-c", kValidate, schema}, doc, 60);
}

TEST(JsonReport, ValidatesAgainstTheSchema) {
  test::RunResult r = validate(render_bench_json(test::make_bench_result()));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(JsonReport, SchemaRejectsABrokenReport) {
  std::string doc = render_bench_json(test::make_bench_result());
  size_t p = doc.find("\"responses\": ");
  ASSERT_NE(p, std::string::npos);
  doc.insert(p + 13, "\"many\", \"x\": ");  // a string where a count belongs, plus a stray key
  test::RunResult r = validate(doc);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("classes/0/summary/responses 'many' is not of type 'integer'"),
            std::string::npos) << r.out;
}

TEST(JsonReport, RoundTripIsExact) {
  BenchResult b = test::make_bench_result();
  std::string first = render_bench_json(b);
  Result<BenchResult> parsed = parse_bench_json(first);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(render_bench_json(*parsed), first);
  const ClassResult& c = parsed->classes[1];
  EXPECT_EQ(c.worker_class, "thread");
  EXPECT_EQ(c.latency.p99_s, b.classes[1].latency.p99_s);  // bit-exact doubles
  EXPECT_EQ(c.latency.spectrum.size(), b.classes[1].latency.spectrum.size());
  EXPECT_EQ(c.errors.status.at(503), 4u);
  EXPECT_EQ(c.events[1].effect, b.classes[1].events[1].effect);
  EXPECT_EQ(c.final_scrape, b.classes[1].final_scrape);
  EXPECT_EQ(parsed->config.at("note"), b.config.at("note"));
}

TEST(JsonReport, EmptyAndNonFiniteResults) {
  BenchResult b;
  b.interrupted = true;
  b.classes.emplace_back();
  b.classes[0].latency.mean_s = std::numeric_limits<double>::quiet_NaN();
  b.classes[0].achieved_rate = std::numeric_limits<double>::infinity();
  std::string doc = render_bench_json(b);
  EXPECT_NE(doc.find("\"mean_s\": null"), std::string::npos);
  test::RunResult r = validate(doc);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Result<BenchResult> parsed = parse_bench_json(doc);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(std::isnan(parsed->classes[0].latency.mean_s));
  EXPECT_EQ(render_bench_json(*parsed), doc);
}

void expect_error(std::string_view doc, std::string_view needle) {
  Result<BenchResult> r = parse_bench_json(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().exit_code, kExitUsage);
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
}

std::string replaced(std::string doc, std::string_view from, std::string_view to) {
  size_t p = doc.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) doc.replace(p, from.size(), to);
  return doc;
}

TEST(JsonReport, ParseErrorsNameThePath) {
  std::string doc = render_bench_json(test::make_bench_result());
  expect_error("{\"schema_version\": 1,", "bench JSON: [json.exception.parse_error");
  expect_error("[]", "/: expected an object, found array");
  expect_error(replaced(doc, "\"schema_version\": 3", "\"schema_version\": 4"),
               "/schema_version: 4 is not supported (this wpm reads versions 1 to 3)");
  expect_error(replaced(doc, "\"cpus\": 2", "\"cpuz\": 2"), "/environment/cpus: missing");
  expect_error(replaced(doc, "\"requests_sent\": 30009", "\"requests_sent\": \"30009\""),
               "/classes/0/summary/requests_sent: expected an integer, found string");
  expect_error(replaced(doc, "\"connections\": 32", "\"connections\": -1"),
               "/classes/0/summary/connections: expected a larger integer");
  expect_error(replaced(doc, "\"500\": 11", "\"5x0\": 11"),
               "/classes/0/errors/status: '5x0' is not an HTTP status code");
}

}  // namespace
}  // namespace wpm
