// The push client against a canned HTTP server: exact requests, retry policy, auth header.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>

#include "reports/pushgateway.h"
#include "tests/unit/reports/canned_server.h"

namespace wpm {
namespace {

using test::CannedServer;

constexpr std::string_view kPayload = "# TYPE wpm_test gauge\nwpm_test 1\n";

struct EnvGuard {
  EnvGuard() { unsetenv(kPushUserEnv), unsetenv(kPushPasswordEnv); }
  ~EnvGuard() { unsetenv(kPushUserEnv), unsetenv(kPushPasswordEnv); }
};

PushTarget target(const CannedServer& s, PushTarget::Mode mode = PushTarget::Mode::replace) {
  PushTarget t;
  t.url = s.url();
  t.job = "ci";
  t.labels = {{"branch", "a/b"}};
  t.mode = mode;
  t.timeout_s = 2;
  t.retries = 3;
  t.backoff_base_s = 0.02;
  t.backoff_max_s = 0.1;
  return t;
}

TEST(PushClient, SendsTheExactRequest) {
  EnvGuard env;
  CannedServer s({{200, "", ""}});
  ASSERT_TRUE(push(target(s), kPayload).ok());
  auto reqs = s.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].head.rfind("PUT /metrics/job@base64/Y2k=/branch@base64/YS9i HTTP/1.1\r\n", 0), 0u)
      << reqs[0].head;
  EXPECT_NE(reqs[0].head.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_EQ(reqs[0].head.find("Authorization"), std::string::npos);
  EXPECT_EQ(reqs[0].body, kPayload);
}

TEST(PushClient, MethodsAndAuthFromTheEnvironment) {
  EnvGuard env;
  setenv(kPushUserEnv, "ci", 1);
  setenv(kPushPasswordEnv, "s3cret", 1);
  CannedServer s({{202, "", ""}});
  ASSERT_TRUE(push(target(s, PushTarget::Mode::add), kPayload).ok());
  ASSERT_TRUE(push(target(s, PushTarget::Mode::del), "").ok());
  auto reqs = s.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].head.rfind("POST ", 0), 0u);
  EXPECT_EQ(reqs[1].head.rfind("DELETE ", 0), 0u);
  EXPECT_NE(reqs[0].head.find("Authorization: Basic Y2k6czNjcmV0\r\n"), std::string::npos)
      << reqs[0].head;
}

TEST(PushClient, RetriesServerErrorsAndTooManyRequests) {
  EnvGuard env;
  CannedServer s({{503, "", "busy"}, {429, "Retry-After: 0\r\n", ""}, {500, "", ""}, {200, "", ""}});
  ASSERT_TRUE(push(target(s), kPayload).ok());
  EXPECT_EQ(s.requests().size(), 4u);
}

TEST(PushClient, NeverRetriesOtherClientErrors) {
  EnvGuard env;
  CannedServer s({{400, "", "text format parsing error in line 2: bad\n"}});
  Status st = push(target(s), kPayload);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(s.requests().size(), 1u);
  EXPECT_EQ(st.error().exit_code, kExitPush);
  EXPECT_EQ(st.error().message,
            "push: PUT " + s.url() + " (grouping key {job=\"ci\",branch=\"a/b\"}): HTTP 400: "
            "text format parsing error in line 2: bad (attempt 1 of 4)");
}

TEST(PushClient, GivesUpAfterTheRetries) {
  EnvGuard env;
  CannedServer s({{502, "", "bad gateway"}});
  PushTarget t = target(s);
  t.retries = 2;
  Status st = push(t, kPayload);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(s.requests().size(), 3u);
  EXPECT_NE(st.error().message.find("HTTP 502: bad gateway (attempt 3 of 3)"), std::string::npos)
      << st.error().message;
}

TEST(PushClient, ValidatesThePayloadBeforeSending) {
  EnvGuard env;
  CannedServer s({{200, "", ""}});
  Status st = push(target(s), "# TYPE a gauge\na 1 1700000000000\n");
  ASSERT_FALSE(st.ok());
  // Nothing reached the gateway: the input is at fault (usage), not the gateway (kExitPush).
  EXPECT_EQ(st.error().exit_code, kExitUsage);
  EXPECT_NE(st.error().message.find("refusing to send an invalid payload: line 2: sample a has a timestamp"),
            std::string::npos) << st.error().message;
  st = push(target(s), "# TYPE a gauge\na 1\na 2\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().exit_code, kExitUsage);
  EXPECT_NE(st.error().message.find("duplicate series"), std::string::npos) << st.error().message;
  EXPECT_TRUE(s.requests().empty());
}

TEST(PushClient, SendsAnUntypedPayload) {
  // `a 1` with no TYPE line is valid text format; the gateway stores it as untyped.
  EnvGuard env;
  CannedServer s({{200, "", ""}});
  Status st = push(target(s), "a 1\n");
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_EQ(s.requests().size(), 1u);
  EXPECT_EQ(s.requests()[0].body, "a 1\n");
}

TEST(PushClient, HttpGetText) {
  CannedServer s({{200, "", "# TYPE up gauge\nup 1\n"}, {404, "", "not here"}});
  Result<std::string> body = http_get_text(s.url() + "/metrics", 2);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(*body, "# TYPE up gauge\nup 1\n");
  EXPECT_EQ(s.requests()[0].head.rfind("GET /metrics HTTP/1.1", 0), 0u);
  body = http_get_text(s.url() + "/metrics", 2);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().message, "GET " + s.url() + "/metrics: HTTP 404: not here");
}

}  // namespace
}  // namespace wpm
