#include "loadgen/url.h"

#include <gtest/gtest.h>

namespace wpm::loadgen {
namespace {

TEST(TargetUrl, ParsesHostPortPathQuery) {
  auto url = parse_target_url("http://127.0.0.1:8080/sleep/20?x=1#frag");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/sleep/20?x=1");
  EXPECT_EQ(url->host_header(), "127.0.0.1:8080");
  EXPECT_EQ(url->str(), "http://127.0.0.1:8080/sleep/20?x=1");
}

TEST(TargetUrl, DefaultsAndIpv6) {
  auto plain = parse_target_url("HTTP://example.test");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->path, "/");
  EXPECT_EQ(plain->host_header(), "example.test");
  auto v6 = parse_target_url("http://[::1]:9000?q");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(v6->path, "/?q");
  EXPECT_EQ(v6->host_header(), "[::1]:9000");
}

TEST(TargetUrl, Https) {
  auto url = parse_target_url("https://example.test/api?x=1");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_TRUE(url->https);
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->host_header(), "example.test");
  EXPECT_EQ(url->str(), "https://example.test:443/api?x=1");
  auto other = parse_target_url("https://[::1]:8443");
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_TRUE(other->https);
  EXPECT_EQ(other->host_header(), "[::1]:8443");
  auto plain = parse_target_url("http://example.test:443/");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->https);
  EXPECT_EQ(plain->host_header(), "example.test:443");
}

TEST(TargetUrl, RejectsWhatItCannotBenchmark) {
  for (const char* bad : {"https://u@a/", "ftp://a/", "127.0.0.1:80", "http://", "http://:80/",
                          "http://a:0/", "http://a:65536/", "http://a:x/", "http://a:/",
                          "http://u:p@a/", "http://[::1/", "http://a/b c"}) {
    auto url = parse_target_url(bad);
    ASSERT_FALSE(url) << bad;
    EXPECT_EQ(url.error().exit_code, kExitUsage);
    EXPECT_NE(url.error().message.find(bad), std::string::npos) << url.error().message;
  }
}

}  // namespace
}  // namespace wpm::loadgen
