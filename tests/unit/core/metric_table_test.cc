#include "core/metric_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wpm {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

TEST(MetricTable, NamesAreValidAndUnique) {
  std::set<std::string> seen;
  for (const MetricDef& def : metric_table()) {
    std::string name = metric_name(def.id, kDefaultPrefix);
    EXPECT_TRUE(valid_metric_name(name)) << name;
    EXPECT_TRUE(seen.insert(name).second) << "duplicate family " << name;
    EXPECT_FALSE(def.help.empty()) << name;
  }
  EXPECT_EQ(seen.size(), kMetricCount);
}

TEST(MetricTable, CountersEndInTotalAndOthersDoNot) {
  for (const MetricDef& def : metric_table()) {
    if (def.type == MetricType::counter)
      EXPECT_TRUE(ends_with(def.suffix, "_total")) << def.suffix;
    else
      EXPECT_FALSE(ends_with(def.suffix, "_total")) << def.suffix;
  }
}

TEST(MetricTable, LabelsAreValidAndNeverReserved) {
  for (const MetricDef& def : metric_table()) {
    std::set<std::string_view> labels;
    for (std::string_view label : def.labels) {
      EXPECT_TRUE(valid_label_name(label)) << def.suffix << " " << label;
      EXPECT_NE(label, "le") << def.suffix;
      EXPECT_NE(label, "quantile") << def.suffix;
      EXPECT_TRUE(labels.insert(label).second) << def.suffix << " repeats " << label;
    }
  }
}

TEST(MetricTable, HistogramBucketsStrictlyIncrease) {
  int histograms = 0;
  for (const MetricDef& def : metric_table()) {
    if (def.type != MetricType::histogram) {
      EXPECT_TRUE(def.buckets.empty()) << def.suffix;
      continue;
    }
    ++histograms;
    ASSERT_FALSE(def.buckets.empty()) << def.suffix;
    for (size_t i = 1; i < def.buckets.size(); ++i)
      EXPECT_LT(def.buckets[i - 1], def.buckets[i]) << def.suffix << " bucket " << i;
  }
  EXPECT_EQ(histograms, 4);
}

TEST(MetricTable, DurationBucketsCoverSubMillisecondToOneMinute) {
  EXPECT_DOUBLE_EQ(kDurationBuckets.front(), 0.0005);
  EXPECT_DOUBLE_EQ(kDurationBuckets.back(), 60);
}

TEST(MetricTable, NameValidationRejectsBadNames) {
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_FALSE(valid_metric_name("1abc"));
  EXPECT_FALSE(valid_metric_name("a-b"));
  EXPECT_TRUE(valid_metric_name("a:b_c1"));
  EXPECT_FALSE(valid_label_name("a:b"));
  EXPECT_FALSE(valid_label_name("__name__"));
}

TEST(MetricTable, PrefixRenamesFamilies) {
  EXPECT_EQ(metric_name(MetricId::worker_requests, "myapp"), "myapp_worker_requests_total");
  EXPECT_EQ(metric_name(MetricId::master_worker_restart, kDefaultPrefix),
            "gunicorn_master_worker_restart_total");
}

}  // namespace
}  // namespace wpm
