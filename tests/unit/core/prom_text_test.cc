#include "core/prom_text.h"

#include <gtest/gtest.h>

#include <cmath>

namespace wpm {
namespace {

std::string num(double v) {
  std::string s;
  append_number(s, v);
  return s;
}

TEST(PromText, NumbersUsePrometheusSpelling) {
  EXPECT_EQ(num(3), "3");
  EXPECT_EQ(num(-42), "-42");
  EXPECT_EQ(num(0.0005), "0.0005");
  EXPECT_EQ(num(12.5), "12.5");
  EXPECT_EQ(num(1e20), "1e+20");
  EXPECT_EQ(num(1.0 / 0.0), "+Inf");
  EXPECT_EQ(num(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(num(NAN), "NaN");
}

TEST(PromText, LabelValuesAndHelpAreEscaped) {
  std::string label, help;
  append_escaped_label_value(label, "a\"b\\c\nd");
  EXPECT_EQ(label, "a\\\"b\\\\c\\nd");
  append_escaped_help(help, "a\"b\\c\nd");  // quotes need no escape in HELP
  EXPECT_EQ(help, "a\"b\\\\c\\nd");
}

TEST(PromText, HeaderAndSampleLines) {
  std::string out;
  append_family_header(out, "x_total", "Things.\nMore.", "counter");
  SampleLine(out, "x_total").value(1);
  SampleLine(out, "x", "_total").label("a", "1").label("b", "q\"").value(2.5, 1700000000000);
  std::string key;
  SampleLine(key, "x").label("a", "1").close_labels();
  EXPECT_EQ(out,
            "# HELP x_total Things.\\nMore.\n# TYPE x_total counter\n"
            "x_total 1\n"
            "x_total{a=\"1\",b=\"q\\\"\"} 2.5 1700000000000\n");
  EXPECT_EQ(key, "x{a=\"1\"}");
}

constexpr std::string_view kLabels[] = {"worker_id", "reason"};
constexpr double kBounds[] = {0.5, 1};

TEST(PromText, FamiliesOfTheModel) {
  ExpoFamily gauge{"g", MetricType::gauge, "A gauge.", kLabels, {}, {}, {}};
  ExpoSample& s = gauge.add(7);
  s.labels[gauge.label("reason")] = "quit";
  s.labels[gauge.label("worker_id")] = gauge.keep(std::string("w") + "1");
  std::string out;
  append_family(out, gauge);
  EXPECT_EQ(out, "# HELP g A gauge.\n# TYPE g gauge\ng{worker_id=\"w1\",reason=\"quit\"} 7\n");
}

TEST(PromText, HistogramsBecomeBucketsSumAndCount) {
  const uint64_t counts[] = {1, 3, 4};
  ExpoFamily h{"h_seconds", MetricType::histogram, "Time.", std::span(kLabels).first(1),
               kBounds, {}, {}};
  h.add_histogram(counts, 2.25).labels[0] = "w";
  EXPECT_EQ(write_exposition(std::span(&h, 1)),
            "# HELP h_seconds Time.\n# TYPE h_seconds histogram\n"
            "h_seconds_bucket{worker_id=\"w\",le=\"0.5\"} 1\n"
            "h_seconds_bucket{worker_id=\"w\",le=\"1\"} 3\n"
            "h_seconds_bucket{worker_id=\"w\",le=\"+Inf\"} 4\n"
            "h_seconds_sum{worker_id=\"w\"} 2.25\n"
            "h_seconds_count{worker_id=\"w\"} 4\n");
}

TEST(PromTextDeathTest, ALabelTheTableDoesNotGiveIsABug) {
  ExpoFamily f{"g", MetricType::gauge, "", kLabels, {}, {}, {}};
  EXPECT_TRUE(f.has_label("reason"));
  EXPECT_FALSE(f.has_label("state"));
  EXPECT_DEATH((void)f.label("state"), "family g has no label state");
}

}  // namespace
}  // namespace wpm
