// The value parsers every flag and TOML key goes through.
#include <gtest/gtest.h>

#include <cmath>

#include "cli/parse_helpers.h"
#include "cli/values.h"

namespace wpm::cli {
namespace {

TEST(Duration, AcceptsCompoundUnitsAndBareSeconds) {
  const std::pair<const char*, double> cases[] = {
      {"1m30s", 90},   {"250ms", 0.25}, {"2h", 7200},     {"1.5s", 1.5}, {"1.5", 1.5},
      {"90us", 9e-5},  {"0", 0},        {"1h2m3s", 3723}, {"2m", 120},   {"1s500ms", 1.5}};
  for (const auto& [text, seconds] : cases) {
    Result<double> d = parse_duration(text);
    ASSERT_TRUE(d) << text;
    EXPECT_NEAR(*d, seconds, 1e-12) << text;
  }
}

TEST(Duration, RejectsMalformedValues) {
  for (const char* text : {"", "-1", "1m30", "30s1m", "1s1s", "1e9", "abc", "5 s", "s", "inf", "1d"})
    EXPECT_FALSE(parse_duration(text)) << text;
}

TEST(Duration, RangeIsInTheMessage) {
  Result<double> d = parse_duration_in("2h", 0.001, 3600);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("1ms..1h"), std::string::npos) << d.error().message;
  EXPECT_EQ(d.error().exit_code, kExitUsage);
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(format_duration(90), "1m30s");
  EXPECT_EQ(format_duration(0.25), "250ms");
  EXPECT_EQ(format_duration(7200), "2h");
  EXPECT_EQ(format_duration(1.5), "1.5s");
  EXPECT_EQ(format_duration(0), "0s");
  for (double s : {90.0, 0.25, 7200.0, 1.5, 3723.0, 0.001, 86400.0})
    EXPECT_DOUBLE_EQ(*parse_duration(format_duration(s)), s) << s;
}

TEST(Size, AcceptsBinaryAndDecimalSuffixes) {
  const std::pair<const char*, uint64_t> cases[] = {
      {"64MiB", 64ull << 20}, {"512k", 512000}, {"1.5GB", 1500000000}, {"4096", 4096},
      {"1KiB", 1024},         {"2GiB", 2ull << 30}, {"10B", 10}};
  for (const auto& [text, bytes] : cases) {
    Result<uint64_t> s = parse_size(text);
    ASSERT_TRUE(s) << text;
    EXPECT_EQ(*s, bytes) << text;
  }
  for (const char* text : {"", "-1", "64XB", "MiB", "1 MiB"}) EXPECT_FALSE(parse_size(text)) << text;
  EXPECT_EQ(format_size(64ull << 20), "64MiB");
  EXPECT_FALSE(parse_size_in("2GiB", 1, 1ull << 30));
}

TEST(Count, ChecksRangeAndForm) {
  EXPECT_EQ(*parse_count("512", 1, 512), 512);
  for (const char* text : {"0", "513", "-1", "1.5", "", "3x", "+3"}) {
    Result<int64_t> n = parse_count(text, 1, 512);
    ASSERT_FALSE(n) << text;
    EXPECT_NE(n.error().message.find("1..512"), std::string::npos);
  }
  EXPECT_FALSE(parse_number("-5", 0, 1e7));
  EXPECT_EQ(*parse_number("2.5", 0, 10), 2.5);
}

TEST(Checks, PrometheusPrefixAndLabels) {
  EXPECT_TRUE(check_metric_prefix("gunicorn"));
  EXPECT_TRUE(check_metric_prefix("_my_app2"));
  for (const char* bad : {"9bad", "", "my-app", "a:b", "a b"}) EXPECT_FALSE(check_metric_prefix(bad)) << bad;
  EXPECT_TRUE(check_label_pair("branch=main"));
  EXPECT_TRUE(check_label_pair("runner=ci 1"));
  for (const char* bad : {"branch", "=x", "9x=1", "a-b=1"}) EXPECT_FALSE(check_label_pair(bad)) << bad;
}

TEST(Checks, PathsNamesUrls) {
  EXPECT_TRUE(check_request_path("/sleep/5?x=1"));
  for (const char* bad : {"", "sleep", "/a b"}) EXPECT_FALSE(check_request_path(bad)) << bad;
  EXPECT_TRUE(check_pool_name("bench-sync-42"));
  for (const char* bad : {"", "..", "a/b", "a b"}) EXPECT_FALSE(check_pool_name(bad)) << bad;
  EXPECT_TRUE(check_http_url("http://127.0.0.1:9091"));
  EXPECT_FALSE(check_http_url("ftp://x"));
}

TEST(HostPort, RejectsBrokenAddresses) {
  const std::pair<const char*, const char*> good[] = {
      {"127.0.0.1:8000", "127.0.0.1:8000"}, {"[::1]:80", "[::1]:80"}, {":9095", "127.0.0.1:9095"},
      {"localhost:0", "localhost:0"}};
  for (const auto& [text, canonical] : good) {
    Result<HostPort> hp = parse_host_port_value(text);
    ASSERT_TRUE(hp) << text;
    EXPECT_EQ(hp->str(), canonical);
  }
  for (const char* bad : {"[::1", "[::1]", "::1:80", "[zz]:80", "host", "127.0.0.1:65536", "a b:1", "[]:1"}) {
    Result<HostPort> hp = parse_host_port_value(bad);
    ASSERT_FALSE(hp) << bad;
    EXPECT_NE(hp.error().message.find(bad), std::string::npos);
  }
}

}  // namespace
}  // namespace wpm::cli
