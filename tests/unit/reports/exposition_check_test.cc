#include "reports/exposition_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/exposition.h"
#include "tests/unit/reports/fixture.h"

namespace wpm {
namespace {

std::string joined(const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems) s += p + "\n";
  return s;
}

// Exactly one problem, on `line`, whose text contains `needle`.
void expect_one(std::string_view text, size_t line, std::string_view needle,
                const CheckOptions& options = {}) {
  auto problems = check_exposition(text, options);
  ASSERT_EQ(problems.size(), 1u) << joined(problems);
  std::string prefix = "line " + std::to_string(line) + ": ";
  EXPECT_EQ(problems[0].rfind(prefix, 0), 0u) << problems[0];
  EXPECT_NE(problems[0].find(needle), std::string::npos) << problems[0];
}

constexpr std::string_view kGood =
    "# HELP req_total Requests.\n"
    "# TYPE req_total counter\n"
    "req_total{path=\"/a\",code=\"200\"} 10\n"
    "req_total{path=\"q\\\"uote\\\\back\\nnl\",code=\"500\",} 2\n"
    "\n"
    "# a plain comment\n"
    "# TYPE temp gauge\n"
    "temp -3.5\n"
    "# TYPE lat histogram\n"
    "lat_bucket{le=\"0.1\"} 1\n"
    "lat_bucket{le=\"1\"} 3\n"
    "lat_bucket{le=\"+Inf\"} 4\n"
    "lat_sum 2.5\n"
    "lat_count 4\n"
    "# TYPE rpc summary\n"
    "rpc{quantile=\"0.5\"} 0.2\n"
    "rpc{quantile=\"0.99\"} NaN\n"
    "rpc_sum 7e-1\n"
    "rpc_count 3\n"
    "# TYPE up untyped\n"
    "up\t1\t1700000000000\n";

TEST(ExpositionCheck, AcceptsValidText) {
  EXPECT_EQ(joined(check_exposition(kGood)), "");
}

TEST(ExpositionCheck, AcceptsCoreRenderOfARealisticPool) {
  std::string text = render_prometheus(test::make_pool_snapshot(3, 7), kDefaultPrefix);
  EXPECT_EQ(joined(check_exposition(text, {.allow_timestamps = false, .require_help = true})), "");
}

TEST(ExpositionCheck, AcceptsEmptyText) { EXPECT_TRUE(check_exposition("").empty()); }

TEST(ExpositionCheck, ValueSpellingsOfGoParseFloat) {
  EXPECT_EQ(joined(check_exposition("# TYPE a gauge\na{x=\"1\"} +Inf\na{x=\"2\"} -inf\n"
                                    "a{x=\"3\"} nan\na{x=\"4\"} 1e+06\na{x=\"5\"} .5\n"
                                    "a{x=\"6\"} -0\na{x=\"7\"} +3\n")), "");
  expect_one("# TYPE a gauge\na 0x10\n", 2, "invalid sample value '0x10'");
  expect_one("# TYPE a gauge\na 1,5\n", 2, "invalid sample value '1,5'");
}

TEST(ExpositionCheck, SampleWithoutType) {
  expect_one("# TYPE a gauge\na 1\nb 2\n", 3, "b has no TYPE");
  EXPECT_TRUE(check_exposition("b 2\n", {.require_type = false}).empty());
}

TEST(ExpositionCheck, DuplicateFamily) {
  expect_one("# TYPE a gauge\na 1\n# TYPE a gauge\n", 3, "duplicate TYPE line for a (first at line 1)");
  expect_one("# HELP a x\n# HELP a y\n# TYPE a gauge\n", 2, "duplicate HELP");
}

TEST(ExpositionCheck, FamiliesMustBeContiguous) {
  expect_one("# TYPE a gauge\na{x=\"1\"} 1\n# TYPE b gauge\nb 1\na{x=\"2\"} 2\n", 5,
             "family a is not contiguous");
}

TEST(ExpositionCheck, DuplicateSeriesIgnoresLabelOrder) {
  expect_one("# TYPE a gauge\na{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 1\n", 3,
             "duplicate series a{x=\"1\",y=\"2\"} (first at line 2)");
}

constexpr std::string_view kHistHead = "# TYPE h histogram\n";

TEST(ExpositionCheck, BucketsMustBeCumulative) {
  std::string text = std::string(kHistHead) +
                     "h_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 3\nh_bucket{le=\"+Inf\"} 5\n"
                     "h_sum 1\nh_count 5\n";
  expect_one(text, 3, "buckets must be cumulative");
}

TEST(ExpositionCheck, BucketBoundsMustIncrease) {
  std::string text = std::string(kHistHead) +
                     "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
                     "h_sum 1\nh_count 1\n";
  expect_one(text, 3, "does not come after le=\"2\"");
}

TEST(ExpositionCheck, InfBucketRequired) {
  std::string text = std::string(kHistHead) + "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n";
  expect_one(text, 2, "no le=\"+Inf\" bucket");
}

TEST(ExpositionCheck, InfBucketEqualsCount) {
  std::string text = std::string(kHistHead) +
                     "h_bucket{a=\"x\",le=\"1\"} 1\nh_bucket{a=\"x\",le=\"+Inf\"} 2\n"
                     "h_sum{a=\"x\"} 1\nh_count{a=\"x\"} 3\n";
  expect_one(text, 5, "_count 3 differs from the +Inf bucket 2");
}

TEST(ExpositionCheck, HistogramNeedsCountAndSum) {
  std::string text = std::string(kHistHead) + "h_bucket{le=\"+Inf\"} 1\nh_sum 1\n";
  expect_one(text, 2, "has no _count");
  text = std::string(kHistHead) + "h_bucket{le=\"+Inf\"} 1\nh_count 1\n";
  expect_one(text, 2, "has no _sum");
}

TEST(ExpositionCheck, HistogramSamplesNeedASuffix) {
  std::string text = std::string(kHistHead) + "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\nh 1\n";
  expect_one(text, 5, "not a _bucket, _sum or _count sample");
}

TEST(ExpositionCheck, TimestampsOnlyWhenAllowed) {
  std::string_view text = "# TYPE a gauge\na 1 1700000000000\n";
  EXPECT_TRUE(check_exposition(text).empty());
  expect_one(text, 2, "has a timestamp", {.allow_timestamps = false});
}

TEST(ExpositionCheck, OnlyLfLineEndings) {
  expect_one("# TYPE a gauge\r\na 1\r\n", 1, "CR LF line ending: only LF is allowed (2 line(s)");
}

TEST(ExpositionCheck, FinalNewlineRequired) {
  expect_one("# TYPE a gauge\na 1", 2, "does not end with a newline");
}

TEST(ExpositionCheck, MetricAndLabelNames) {
  expect_one("# TYPE 1a gauge\n", 1, "invalid metric name '1a'");
  expect_one("# TYPE a gauge\na{1x=\"v\"} 1\n", 2, "invalid label name '1x'");
  expect_one("# TYPE a gauge\na{__x=\"v\"} 1\n", 2, "reserved");
  expect_one("# TYPE a gauge\na{x=\"v\",x=\"w\"} 1\n", 2, "label 'x' appears twice");
}

TEST(ExpositionCheck, LabelValueEscaping) {
  expect_one("# TYPE a gauge\na{x=\"tab\\t\"} 1\n", 2, "invalid escape sequence '\\t'");
  expect_one("# TYPE a gauge\na{x=\"open} 1\n", 2, "unterminated label value");
  expect_one("# TYPE a gauge\na{x=\"\xff\"} 1\n", 2, "not valid UTF-8");
}

TEST(ExpositionCheck, SyntaxErrorsKeepGoing) {
  auto problems = check_exposition("# TYPE a gauge\na one\na{x=\"1\" 2\n# TYPE b meter\na 1 2 3\n");
  ASSERT_EQ(problems.size(), 4u) << joined(problems);
  EXPECT_NE(problems[0].find("line 2: invalid sample value 'one'"), std::string::npos);
  EXPECT_NE(problems[1].find("line 3: expected ',' or '}'"), std::string::npos);
  EXPECT_NE(problems[2].find("line 4: unknown TYPE 'meter'"), std::string::npos);
  EXPECT_NE(problems[3].find("line 5: unexpected text after the timestamp"), std::string::npos);
}

TEST(ExpositionCheck, TypeAfterSamples) {
  auto problems = check_exposition("a 1\n# TYPE a gauge\n");
  ASSERT_EQ(problems.size(), 1u) << joined(problems);  // the later TYPE still types it
  EXPECT_NE(problems[0].find("line 2: TYPE line for a comes after its samples"), std::string::npos);
}

TEST(ExpositionCheck, CounterAndSummaryValues) {
  expect_one("# TYPE c_total counter\nc_total -1\n", 2, "counter c_total is negative");
  expect_one("# TYPE s summary\ns{quantile=\"1.5\"} 1\ns_sum 1\ns_count 1\n", 2,
             "quantile \"1.5\" of s is outside [0, 1]");
  expect_one("# TYPE s summary\ns 1\ns_sum 1\ns_count 1\n", 2, "has no 'quantile' label");
}

TEST(ExpositionCheck, NameClashWithHistogramSamples) {
  std::string text = std::string(kHistHead) +
                     "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n# TYPE h_count gauge\n";
  expect_one(text, 5, "clashes with the samples of histogram h");
}

}  // namespace
}  // namespace wpm

namespace wpm {
namespace {

// Random edits of valid text never crash the parser (ASan/UBSan build), and every problem points
// at a line that exists.
TEST(ExpositionCheck, SurvivesRandomEdits) {
  std::string base = std::string(kGood) + render_prometheus(test::make_pool_snapshot(1, 1), "g");
  std::mt19937 rng(42);
  const std::string alphabet = "\"{}=,\\\n\r# \tle+Inf_0.9e-x\xc3\xff";
  for (int round = 0; round < 300; ++round) {
    std::string text = base;
    for (int k = 0; k < 1 + round % 4; ++k) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: text.erase(at, 1 + rng() % 8); break;
      }
    }
    size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (const prom::Problem& p : check_exposition_problems(text, {.allow_timestamps = false}))
      ASSERT_LE(p.line, lines) << p.message;
  }
}

}  // namespace
}  // namespace wpm
