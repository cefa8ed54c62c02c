#include "workers/app.h"

#include <gtest/gtest.h>

#include <string>

#include "core/clock.h"

namespace wpm::app {
namespace {

// Parses `target` as a GET (or `method` with `body`) and hands it to the app.
class AppTest : public ::testing::Test {
 protected:
  Plan handle(const std::string& target, const SyntheticApp& app = SyntheticApp{},
              const std::string& method = "GET", const std::string& body = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    parser_.reset();
    EXPECT_EQ(parser_.feed(req), http::ParseStatus::complete) << req;
    return app.handle(parser_.request());
  }
  http::RequestParser parser_;
};

TEST_F(AppTest, RootIsATinyOk) {
  Plan p = handle("/");
  EXPECT_EQ(p.route, kRouteRoot);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.body.bytes, "OK\n");
  EXPECT_EQ(p.cpu_us + p.io_us, 0u);
}

TEST_F(AppTest, LoadReadsEveryParameter) {
  Plan p = handle("/load?cpu_ms=3&io_ms=40&bytes=1000&status=503&other=x");
  EXPECT_EQ(p.route, kRouteLoad);
  EXPECT_EQ(p.cpu_us, 3000u);
  EXPECT_EQ(p.io_us, 40000u);
  EXPECT_EQ(p.body.size(), 1000u);
  EXPECT_EQ(p.status, 503);
  EXPECT_EQ(handle("/load?bytes=0").body.size(), 0u);
  EXPECT_EQ(handle("/load").status, 200);
}

TEST_F(AppTest, PathParametersBecomePlans) {
  EXPECT_EQ(handle("/sleep/250").io_us, 250000u);
  EXPECT_EQ(handle("/sleep/250").route, kRouteSleep);
  EXPECT_EQ(handle("/cpu/7").cpu_us, 7000u);
  EXPECT_EQ(handle("/cpu/7").route, kRouteCpu);
  Plan bytes = handle("/bytes/123456");
  EXPECT_EQ(bytes.body.filler, 123456u);
  EXPECT_EQ(bytes.route, kRouteBytes);
  Plan status = handle("/status/418");
  EXPECT_EQ(status.status, 418);
  EXPECT_EQ(status.route, kRouteStatus);
  Plan leak = handle("/leak/64");
  EXPECT_EQ(leak.leak_kb, 64u);
  EXPECT_EQ(leak.route, kRouteLeak);
}

TEST_F(AppTest, OutOfRangeOrMalformedParametersAre400) {
  for (const char* target : {"/sleep/abc", "/sleep/", "/sleep/600001", "/cpu/-1", "/bytes/67108865",
                             "/status/99", "/status/600", "/leak/262145", "/load?cpu_ms=x",
                             "/load?status=100", "/sleep/1/2"}) {
    Plan p = handle(target);
    EXPECT_EQ(p.status, 400) << target;
    EXPECT_NE(p.route, kRouteUnknown) << target;
    EXPECT_EQ(p.cpu_us + p.io_us + p.leak_kb, 0u) << target;
  }
  EXPECT_EQ(handle("/bytes/67108864").body.filler, 64u << 20);  // the cap itself is fine
}

TEST_F(AppTest, EchoReturnsTheRequestBody) {
  Plan p = handle("/echo", SyntheticApp{}, "POST", "payload bytes");
  EXPECT_EQ(p.route, kRouteEcho);
  EXPECT_EQ(p.body.bytes, "payload bytes");
}

TEST_F(AppTest, ErrorThrowsARuntimeError) {
  try {
    handle("/error");
    FAIL() << "no exception";
  } catch (const HandlerError& e) {
    EXPECT_EQ(e.error_type(), "RuntimeError");
  }
}

TEST_F(AppTest, CrashOnlyWhenAllowed) {
  Plan refused = handle("/crash");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.action, Action::respond);
  Plan allowed = handle("/crash", SyntheticApp{AppOptions{true}});
  EXPECT_EQ(allowed.action, Action::crash);
  EXPECT_EQ(allowed.route, kRouteCrash);
}

TEST_F(AppTest, UnknownRoutesAre404WithABoundedLabel) {
  for (const char* target : {"/nope", "/sleepy", "/echo/x", "/a/b/c?d"}) {
    Plan p = handle(target);
    EXPECT_EQ(p.status, 404) << target;
    EXPECT_EQ(p.route, kRouteUnknown) << target;
  }
}

TEST(AppLabels, RouteTemplatesAndMethodsAreBounded) {
  EXPECT_EQ(route_template("/sleep/12345"), kRouteSleep);
  EXPECT_EQ(route_template("/status/500"), kRouteStatus);
  EXPECT_EQ(route_template("/whatever"), kRouteUnknown);
  EXPECT_EQ(method_label("GET"), "GET");
  EXPECT_EQ(method_label("BREW"), "OTHER");
  EXPECT_EQ(method_label(""), "UNKNOWN");
}

TEST(AppExecution, SpinCpuTakesAboutTheRequestedTime) {
  uint64_t start = monotonic_ns();
  spin_cpu(20);
  uint64_t took_ms = (monotonic_ns() - start) / 1'000'000;
  EXPECT_GE(took_ms, 20u);
  EXPECT_LT(took_ms, 2000u);  // generous: the machine is shared
}

TEST(AppExecution, LeakGrowsTheLeakedTotal) {
  uint64_t before = leaked_bytes();
  leak_memory(16);
  EXPECT_EQ(leaked_bytes() - before, 16u * 1024);
}

}  // namespace
}  // namespace wpm::app
