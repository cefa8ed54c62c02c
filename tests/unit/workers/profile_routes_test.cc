// The synthetic app serving a workload profile: template matching, and draws whose quantiles
// and shares are the profile's.
#include "workers/profile_routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "workers/app.h"
#include "workers/request_parser.h"

namespace wpm::app {
namespace {

using K = Distribution::Kind;

Route route(const char* path, const char* method = "GET") {
  Route r;
  r.path = path;
  r.method = method;
  return r;
}

class ProfileAppTest : public ::testing::Test {
 protected:
  Plan handle(const SyntheticApp& app, const std::string& target,
              const std::string& method = "GET") {
    std::string req = method + " " + target + " HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
    parser_.reset();
    EXPECT_EQ(parser_.feed(req), http::ParseStatus::complete) << req;
    return app.handle(parser_.request());
  }
  http::RequestParser parser_;
};

TEST(ProfileRoutes, MatchesTemplatesSegmentBySegment) {
  Profile p;
  p.routes = {route("/"), route("/users/{id}"), route("/users/{id}/posts/{post}"),
              route("/users", "POST"), route("/users")};
  ProfileRoutes r(p, 1);
  EXPECT_EQ(r.match("GET", "/"), 0);
  EXPECT_EQ(r.match("GET", "/users/42"), 1);
  EXPECT_EQ(r.match("GET", "/users/abc"), 1);
  EXPECT_EQ(r.match("GET", "/users/42/posts/7"), 2);
  EXPECT_EQ(r.match("POST", "/users"), 3);
  EXPECT_EQ(r.match("GET", "/users"), 4);
  EXPECT_EQ(r.match("GET", "/users/"), ProfileRoutes::kNoMatch);  // {id} needs a segment
  EXPECT_EQ(r.match("GET", "/users/1/posts"), ProfileRoutes::kNoMatch);
  EXPECT_EQ(r.match("GET", "/users/1/extra"), ProfileRoutes::kNoMatch);
  EXPECT_EQ(r.match("GET", "/other"), ProfileRoutes::kNoMatch);
  EXPECT_EQ(r.match("DELETE", "/users/1"), ProfileRoutes::kWrongMethod);
  EXPECT_EQ(r.route_template(2), "/users/{id}/posts/{post}");
}

TEST(ProfileRoutes, DrawsFollowTheDistributionsClosely) {
  Profile p;
  p.routes = {route("/a")};
  p.routes[0].io = {K::lognormal, 0.005, 0.050, {}, {}};
  p.routes[0].cpu = {K::uniform, 0.001, 0.003, {}, {}};
  p.routes[0].response_bytes = {K::fixed, 1234, 0, {}, {}};
  ProfileRoutes r(p, 7);
  std::vector<double> io, cpu;
  for (int i = 0; i < 20000; ++i) {
    RouteDraw d = r.draw(0);
    io.push_back(static_cast<double>(d.io_us));
    cpu.push_back(static_cast<double>(d.cpu_us));
    EXPECT_EQ(d.bytes, 1234u);
    EXPECT_EQ(d.status, 200);
  }
  std::sort(io.begin(), io.end());
  std::sort(cpu.begin(), cpu.end());
  // A low-discrepancy sequence: the k-th of 20000 sorted draws is within 1 % of the quantile
  // at (k + 0.5) / 20000, tail included (independent draws: the p99 has a 2.6 % standard
  // error at this n).
  auto expected_us = [](const Distribution& d, size_t k) {
    return quantile(d, (static_cast<double>(k) + 0.5) / 20000.0) * 1e6;
  };
  EXPECT_NEAR(io[9999] / 5000.0, 1.0, 0.01);  // the median
  for (size_t k : {2000, 10000, 18000, 19799, 19900})
    EXPECT_NEAR(io[k] / expected_us(p.routes[0].io, k), 1.0, 0.01) << k;
  EXPECT_NEAR(io[19799] / 50000.0, 1.0, 0.01);  // the p99
  EXPECT_NEAR(cpu[5000] / expected_us(p.routes[0].cpu, 5000), 1.0, 0.01);
  EXPECT_GE(cpu.front(), 1000);
  EXPECT_LE(cpu.back(), 3000);
}

TEST(ProfileRoutes, StatusMixAndRaiseShares) {
  Profile p;
  p.routes = {route("/a")};
  p.routes[0].status_mix = {{500, 0.1}, {404, 0.2}};
  p.routes[0].raise_share = 0.05;
  ProfileRoutes r(p, 3);
  std::map<int, int> status;
  int raised = 0;
  constexpr int kN = 10000;
  for (int i = 0; i < kN; ++i) {
    RouteDraw d = r.draw(0);
    if (d.raise) ++raised;
    else ++status[d.status];
  }
  // Binomial SD at n = 10k is <= 50: within 3 of them.
  EXPECT_NEAR(raised, 500, 150);
  EXPECT_NEAR(status[500], 1000, 150);
  EXPECT_NEAR(status[404], 2000, 150);
  EXPECT_NEAR(status[200], 6500, 150);
}

TEST_F(ProfileAppTest, TheAppServesTheProfileInsteadOfTheBuiltInRoutes) {
  Profile p;
  p.routes = {route("/items/{id}"), route("/boom")};
  p.routes[0].io = {K::fixed, 0.0025, 0, {}, {}};
  p.routes[0].cpu = {K::fixed, 0.0001, 0, {}, {}};
  p.routes[0].response_bytes = {K::fixed, 300, 0, {}, {}};
  p.routes[0].status_mix = {{201, 1.0}};
  p.routes[1].raise_share = 1.0;
  SyntheticApp app(AppOptions{false, &p, 1});

  Plan item = handle(app, "/items/9?x=1");
  EXPECT_EQ(item.route, "/items/{id}");
  EXPECT_EQ(item.io_us, 2500u);
  EXPECT_EQ(item.cpu_us, 100u);
  EXPECT_EQ(item.body.size(), 300u);
  EXPECT_EQ(item.status, 201);

  Plan unknown = handle(app, "/sleep/5");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.route, kRouteUnknown);
  EXPECT_EQ(unknown.io_us, 0u);

  Plan wrong = handle(app, "/items/9", "PUT");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.route, "/items/{id}");

  EXPECT_THROW(handle(app, "/boom"), HandlerError);
  EXPECT_EQ(app.route_of("/boom"), "/boom");
  EXPECT_EQ(app.route_of("/nothing"), kRouteUnknown);
}

}  // namespace
}  // namespace wpm::app
