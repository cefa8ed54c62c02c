// The push client against a real Debian prometheus-pushgateway on loopback.
#include "reports/pushgateway.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>

#include "reports/prom_report.h"
#include "tests/unit/reports/fixture.h"
#include "tests/unit/reports/gateway.h"

namespace wpm {
namespace {

using nlohmann::json;
using test::RealGateway;
using test::metric_value;

struct EnvGuard {
  EnvGuard() { unsetenv(kPushUserEnv), unsetenv(kPushPasswordEnv); }
  ~EnvGuard() { unsetenv(kPushUserEnv), unsetenv(kPushPasswordEnv); }
};

PushTarget target(const RealGateway& gw, GroupingLabels labels) {
  PushTarget t;
  t.url = gw.url();
  t.job = "wpm ci/bench+1";
  t.labels = std::move(labels);
  t.timeout_s = 5;
  t.retries = 1;
  t.backoff_base_s = 0.05;
  return t;
}

void expect_ok(const Status& s) { EXPECT_TRUE(s.ok()) << s.error().message; }

TEST(Pushgateway, PushAddDeleteRoundTrip) {
  EnvGuard env;
  test::TempDir dir;
  RealGateway gw(dir);
  // Values with '/', spaces, '+' and an empty one survive the base64url grouping key.
  PushTarget t = target(gw, {{"branch", "feature/x y+z"}, {"runner", ""}});
  json group = {{"job", "wpm ci/bench+1"}, {"branch", "feature/x y+z"}, {"runner", ""}};

  expect_ok(push(t, "# TYPE a gauge\na{path=\"/p q+r\"} 1\n# TYPE b gauge\nb 2\n"));
  json api = gw.api_metrics();
  ASSERT_NE(test::find_group(api, group), nullptr) << api.dump(1);
  EXPECT_EQ(metric_value(test::find_group(api, group), "a"), 1);
  EXPECT_EQ(test::find_group(api, group)->at("a").at("metrics").at(0).at("labels").at("path"), "/p q+r");
  EXPECT_EQ(metric_value(test::find_group(api, group), "b"), 2);

  t.mode = PushTarget::Mode::add;  // POST replaces only the names pushed
  expect_ok(push(t, "# TYPE a gauge\na{path=\"/p q+r\"} 5\n"));
  api = gw.api_metrics();
  EXPECT_EQ(metric_value(test::find_group(api, group), "a"), 5);
  EXPECT_EQ(metric_value(test::find_group(api, group), "b"), 2);

  t.mode = PushTarget::Mode::replace;  // PUT replaces the whole group
  expect_ok(push(t, "# TYPE c gauge\nc 3\n"));
  api = gw.api_metrics();
  EXPECT_TRUE(std::isnan(metric_value(test::find_group(api, group), "a")));
  EXPECT_TRUE(std::isnan(metric_value(test::find_group(api, group), "b")));
  EXPECT_EQ(metric_value(test::find_group(api, group), "c"), 3);

  t.mode = PushTarget::Mode::del;
  expect_ok(push(t, ""));
  EXPECT_EQ(test::find_group(gw.api_metrics(), group), nullptr);
}

TEST(Pushgateway, AcceptsTheBenchReport) {
  EnvGuard env;
  test::TempDir dir;
  RealGateway gw(dir);
  PushTarget t = target(gw, {{"branch", "main"}});
  expect_ok(push(t, render_bench_prometheus(test::make_bench_result())));
  json api = gw.api_metrics();
  const json* g = test::find_group(api, {{"job", t.job}, {"branch", "main"}});
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->at("wpm_bench_reconciled").at("type"), "GAUGE");
  EXPECT_EQ(g->at("gunicorn_worker_requests_total").at("type"), "COUNTER");
}

TEST(Pushgateway, RefusedPayloadIsExitFourWithTheGatewaysMessage) {
  EnvGuard env;
  test::TempDir dir;
  RealGateway gw(dir);
  expect_ok(push(target(gw, {{"branch", "a"}}), "# TYPE x counter\nx 1\n"));
  PushTarget t = target(gw, {{"branch", "b/c"}});
  t.mode = PushTarget::Mode::add;
  t.retries = 3;
  Status s = push(t, "# TYPE x gauge\nx 1\n");  // the same name as another type: inconsistent
  ASSERT_FALSE(s.ok());
  const std::string& m = s.error().message;
  EXPECT_EQ(s.error().exit_code, kExitPush);
  EXPECT_NE(m.find("push: POST " + gw.url() + " (grouping key {job=\"wpm ci/bench+1\",branch=\"b/c\"}): HTTP 400: "),
            std::string::npos) << m;
  EXPECT_NE(m.find("pushed metrics are invalid or inconsistent with existing metrics"),
            std::string::npos) << m;
  EXPECT_NE(m.find("(attempt 1 of 4)"), std::string::npos) << "a 4xx is never retried: " << m;
}

TEST(Pushgateway, StoppedGatewayRetriesThenFailsInTime) {
  EnvGuard env;
  test::TempDir dir;
  RealGateway gw(dir);
  PushTarget t = target(gw, {});
  gw.stop();
  t.timeout_s = 1;
  t.retries = 2;
  t.backoff_base_s = 0.2;  // waits >= 0.1 + 0.2 s in total, with jitter < 0.2 + 0.4 s
  auto start = std::chrono::steady_clock::now();
  Status s = push(t, "# TYPE x gauge\nx 1\n");
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().exit_code, kExitPush);
  EXPECT_NE(s.error().message.find("could not connect (attempt 3 of 3)"), std::string::npos)
      << s.error().message;
  EXPECT_GE(elapsed, 0.3);
  EXPECT_LT(elapsed, 0.6 + 3 * t.timeout_s);
}

std::string bcrypt_hash(const std::string& password) {
  test::RunResult r = test::run_process(
      {"/usr/bin/python3", "-c",
       "import bcrypt,sys; print(bcrypt.hashpw(sys.stdin.buffer.read(), bcrypt.gensalt(rounds=4)).decode())"},
      password, 30);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, r.out.find('\n'));
}

TEST(Pushgateway, BasicAuthFromTheEnvironment) {
  EnvGuard env;
  test::TempDir dir;
  RealGateway gw(dir, {.web_config = "basic_auth_users:\n  ci: " + bcrypt_hash("s3cret pw") + "\n",
                       .userinfo = "ci:s3cret%20pw@"});
  PushTarget t = target(gw, {{"branch", "main"}});
  t.retries = 3;
  Status s = push(t, "# TYPE x gauge\nx 1\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("HTTP 401"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("(attempt 1 of 4)"), std::string::npos);

  t.url = "http://ci:wrong@127.0.0.1:" + std::to_string(gw.port());  // redacted in errors
  s = push(t, "# TYPE x gauge\nx 1\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.find("wrong"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("http://***@127.0.0.1:"), std::string::npos);

  setenv(kPushUserEnv, "ci", 1);  // the environment wins over the URL
  setenv(kPushPasswordEnv, "s3cret pw", 1);
  expect_ok(push(t, "# TYPE x gauge\nx 1\n"));
  EXPECT_EQ(metric_value(test::find_group(gw.api_metrics(), {{"job", t.job}, {"branch", "main"}}), "x"), 1);
}

TEST(Pushgateway, HttpsWithACaFile) {
  ASSERT_TRUE(push_supports_https());
  EnvGuard env;
  test::TempDir dir;
  std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
  test::RunResult r = test::run_process(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
       "-addext", "subjectAltName=IP:127.0.0.1"},
      "", 30);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  RealGateway gw(dir, {.web_config = "tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + key + "\n",
                       .scheme = "https",
                       .ca_file = cert});
  PushTarget t = target(gw, {{"branch", "tls"}});
  Status s = push(t, "# TYPE x gauge\nx 1\n");  // the system CAs do not know this certificate
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("TLS: server certificate verification failed"), std::string::npos)
      << s.error().message;
  t.ca_file = cert;
  expect_ok(push(t, "# TYPE x gauge\nx 7\n"));
  EXPECT_EQ(metric_value(test::find_group(gw.api_metrics(), {{"job", t.job}, {"branch", "tls"}}), "x"), 7);
}

}  // namespace
}  // namespace wpm
