#include "reports/push_url.h"

#include <gtest/gtest.h>

namespace wpm {
namespace {

TEST(PushUrl, Base64UrlVectors) {
  EXPECT_EQ(base64url(""), "=");  // the Pushgateway's empty value
  EXPECT_EQ(base64url("f"), "Zg==");
  EXPECT_EQ(base64url("fo"), "Zm8=");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg==");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8=");  // '+' and '/' in the standard alphabet
  EXPECT_EQ(base64url("feature/x y+z"), "ZmVhdHVyZS94IHkreg==");
}

TEST(PushUrl, GroupingPathEncodesEveryValue) {
  Result<std::string> p = grouping_path("ci", {{"branch", "a/b c+d"}, {"runner", ""}});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(*p, "/metrics/job@base64/Y2k=/branch@base64/YS9iIGMrZA==/runner@base64/=");
  EXPECT_EQ(describe_grouping_key("ci", {{"branch", "a/b \"q\""}}),
            "{job=\"ci\",branch=\"a/b \\\"q\\\"\"}");
}

TEST(PushUrl, GroupingPathRefusesBadKeys) {
  EXPECT_FALSE(grouping_path("", {}).ok());
  EXPECT_EQ(grouping_path("", {}).error().exit_code, kExitUsage);
  EXPECT_NE(grouping_path("ci", {{"1x", "v"}}).error().message.find("invalid grouping label name '1x'"),
            std::string::npos);
  EXPECT_NE(grouping_path("ci", {{"job", "v"}}).error().message.find("job is given once"),
            std::string::npos);
  EXPECT_NE(grouping_path("ci", {{"a", "1"}, {"a", "2"}}).error().message.find("given twice"),
            std::string::npos);
}

TEST(PushUrl, ParsesBaseUrls) {
  Result<Url> u = parse_http_url("http://127.0.0.1:9091");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 9091);
  EXPECT_EQ(u->path, "");
  u = parse_http_url("HTTPS://ci%40corp:p%3Ass@gw.example:8443/push/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->user, "ci@corp");
  EXPECT_EQ(u->password, "p:ss");
  EXPECT_EQ(u->path, "/push");
  EXPECT_EQ(u->origin(), "https://gw.example:8443");
  u = parse_http_url("http://[::1]/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->origin(), "http://[::1]:80");
}

TEST(PushUrl, BadUrlsAreUsageErrorsWithoutSecrets) {
  for (const char* bad : {"127.0.0.1:9091", "ftp://h", "http://:9091", "http://h:0", "http://h:x",
                          "http://h/p?q=1", "http://u:secret@h:99999"}) {
    Result<Url> u = parse_http_url(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.error().exit_code, kExitUsage);
    EXPECT_EQ(u.error().message.find("secret"), std::string::npos) << u.error().message;
  }
}

TEST(PushUrl, RedactsCredentials) {
  EXPECT_EQ(redact_url("https://ci:hunter2@gw:9091/x"), "https://***@gw:9091/x");
  EXPECT_EQ(redact_url("http://gw:9091/a@b"), "http://gw:9091/a@b");
  EXPECT_EQ(redact_url("http://gw"), "http://gw");
}

TEST(PushRetry, PolicyAndBackoff) {
  for (int s : {429, 500, 502, 503, 599}) EXPECT_TRUE(retryable_status(s)) << s;
  for (int s : {200, 202, 400, 401, 403, 404, 409, 422}) EXPECT_FALSE(retryable_status(s)) << s;
  EXPECT_DOUBLE_EQ(backoff_delay_s(0, 0.25, 4, 0), 0.125);
  EXPECT_DOUBLE_EQ(backoff_delay_s(0, 0.25, 4, 0.999999), 0.25 * (0.5 + 0.5 * 0.999999));
  EXPECT_DOUBLE_EQ(backoff_delay_s(2, 0.25, 4, 0), 0.5);
  EXPECT_DOUBLE_EQ(backoff_delay_s(10, 0.25, 4, 1), 4);  // capped
  EXPECT_DOUBLE_EQ(backoff_delay_s(1000, 0.25, 4, 0), 2);
}

}  // namespace
}  // namespace wpm
