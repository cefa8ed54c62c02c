#include "core/url.h"

#include <gtest/gtest.h>

namespace wpm {
namespace {

TEST(Url, SchemeHostPortPathAndQuery) {
  Result<Url> u = parse_url("HTTP://127.0.0.1:8080/sleep/20?x=1#frag");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/sleep/20?x=1");
  EXPECT_TRUE(u->has_fragment);
  EXPECT_FALSE(u->has_userinfo);
  EXPECT_EQ(u->authority(), "127.0.0.1:8080");
  EXPECT_EQ(u->origin(), "http://127.0.0.1:8080");
}

TEST(Url, DefaultPortsFollowTheScheme) {
  Result<Url> http = parse_url("http://example.test");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->path, "");
  Result<Url> https = parse_url("https://example.test/push/");
  ASSERT_TRUE(https);
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->path, "/push/");
}

TEST(Url, Ipv6LiteralsAndQueryWithoutPath) {
  Result<Url> u = parse_url("http://[::1]:9000?q");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->path, "?q");
  EXPECT_EQ(u->authority(), "[::1]:9000");
  EXPECT_EQ(bracketed_host("::1"), "[::1]");
  EXPECT_EQ(bracketed_host("a.test"), "a.test");
}

TEST(Url, UserinfoIsPercentDecoded) {
  Result<Url> u = parse_url("https://ci%40corp:p%3Ass@gw.example:8443/x");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(u->has_userinfo);
  EXPECT_EQ(u->user, "ci@corp");
  EXPECT_EQ(u->password, "p:ss");
  EXPECT_EQ(u->host, "gw.example");
  Result<Url> odd = parse_url("http://a%zz%4:@h");  // not an escape: kept as written
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->user, "a%zz%4");
  EXPECT_EQ(odd->password, "");
}

TEST(Url, ErrorsAreUsageErrorsGivingTheReasonOnly) {
  const std::pair<const char*, const char*> bad[] = {
      {"127.0.0.1:80", "expected http://"},
      {"ftp://a/", "scheme 'ftp'"},
      {"http://", "empty host"},
      {"http://:80/", "empty host"},
      {"http://a:/", "empty port"},
      {"http://a:0/", "1..65535"},
      {"http://a:65536/", "1..65535"},
      {"http://a:x/", "1..65535"},
      {"http://[::1/", "unterminated '['"},
      {"http://[::1]x/", "after ']'"},
      {"http://a/b c", "space or control"},
      {"http://u:secret@a:99999/", "1..65535"},
  };
  for (const auto& [url, why] : bad) {
    Result<Url> u = parse_url(url);
    ASSERT_FALSE(u) << url;
    EXPECT_EQ(u.error().exit_code, kExitUsage);
    EXPECT_NE(u.error().message.find(why), std::string::npos) << url << ": " << u.error().message;
    EXPECT_EQ(u.error().message.find("secret"), std::string::npos) << u.error().message;
  }
}

}  // namespace
}  // namespace wpm
