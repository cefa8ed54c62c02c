#include "reports/profile_fit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace wpm {
namespace {

TEST(RouteTemplate, CollapsesIdsAndDropsTheQuery) {
  EXPECT_EQ(route_template("/api/users/42"), "/api/users/{id}");
  EXPECT_EQ(route_template("/api/users/42/posts/7?page=2#top"), "/api/users/{id}/posts/{id}");
  EXPECT_EQ(route_template("/orders/3f2b8c9a-1d4e-4b6a-9c0d-112233445566"), "/orders/{id}");
  EXPECT_EQ(route_template("/objects/5f3a9c0e7b1d2a4c6e8f0a1b"), "/objects/{id}");  // hex
  EXPECT_EQ(route_template("/commits/a1b2c3d"), "/commits/{id}");
  EXPECT_EQ(route_template("/files/dGhpcyBpcyBhIHRva2VuMTIz"), "/files/{id}");  // base64 token
  EXPECT_EQ(route_template("/"), "/");
  EXPECT_EQ(route_template("/?q=1"), "/");
  EXPECT_EQ(route_template("/api/v2/users/"), "/api/v2/users/");
}

TEST(RouteTemplate, KeepsWords) {
  EXPECT_EQ(route_template("/api/accounts/settings"), "/api/accounts/settings");
  EXPECT_EQ(route_template("/facade/decade"), "/facade/decade");  // hex letters, no digit
  EXPECT_EQ(route_template("/v1/health"), "/v1/health");
  EXPECT_EQ(route_template("/a-very-long-readable-slug"), "/a-very-long-readable-slug");
}

// The value where a histogram's CDF (uniform inside each bucket) reaches q.
double histogram_quantile(const Distribution& d, double q) {
  double total = std::accumulate(d.weights.begin(), d.weights.end(), 0.0), below = 0, lo = 0;
  for (size_t i = 0; i < d.bounds.size(); ++i) {
    double here = d.weights[i] / total;
    if (below + here >= q - 1e-12) return lo + (d.bounds[i] - lo) * std::clamp((q - below) / here, 0.0, 1.0);
    below += here;
    lo = d.bounds[i];
  }
  return d.bounds.back();
}

TEST(FitHistogram, RecoversLognormalQuantiles) {
  std::mt19937_64 rng(7);
  double p50 = 0.005, p99 = 0.050;
  std::lognormal_distribution<double> dist(std::log(p50), std::log(p99 / p50) / 2.3263478740408408);
  std::vector<double> v(200000);
  for (double& x : v) x = std::round(dist(rng) * 1e6) * 1e-6;  // microsecond log resolution
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  Distribution d = fit_histogram(v, 1e-6, 1e-6);
  ASSERT_EQ(d.kind, Distribution::Kind::histogram);
  ASSERT_EQ(d.bounds.size(), d.weights.size());
  EXPECT_TRUE(std::is_sorted(d.bounds.begin(), d.bounds.end()));
  EXPECT_EQ(std::adjacent_find(d.bounds.begin(), d.bounds.end()), d.bounds.end());
  EXPECT_DOUBLE_EQ(std::accumulate(d.weights.begin(), d.weights.end(), 0.0), 200000);
  // The fit against the sample's own quantiles: within 1 %, and the sample near the truth.
  for (double q : {0.5, 0.9, 0.99})
    EXPECT_NEAR(histogram_quantile(d, q), sorted[static_cast<size_t>(q * v.size()) - 1],
                0.01 * sorted[static_cast<size_t>(q * v.size()) - 1]) << q;
  EXPECT_NEAR(histogram_quantile(d, 0.5), p50, 0.05 * p50);
  EXPECT_NEAR(histogram_quantile(d, 0.99), p99, 0.05 * p99);
  EXPECT_DOUBLE_EQ(d.bounds.back(), sorted.back());
}

TEST(FitHistogram, EqualValuesAreFixedAndFewValuesStayExact) {
  Distribution fixed = fit_histogram({512, 512, 512}, 1, 1);
  EXPECT_EQ(fixed.kind, Distribution::Kind::fixed);
  EXPECT_EQ(fixed.a, 512);
  Distribution few = fit_histogram({0, 100, 100, 300}, 1, 1);
  ASSERT_EQ(few.kind, Distribution::Kind::histogram);
  EXPECT_EQ(few.bounds, (std::vector<double>{1, 100, 300}));  // 0 is kept in the first bucket
  EXPECT_EQ(few.weights, (std::vector<double>{1, 2, 1}));
}

AccessRecord record(std::string method, std::string path, int status, double seconds, uint64_t bytes) {
  AccessRecord r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.status = status;
  r.duration_s = seconds;
  r.response_bytes = bytes;
  return r;
}

TEST(SpreadRounded, TiesFillTheirRoundingInterval) {
  std::vector<double> v{0.005, 0.004, 0.005, 0.000, 0.005, 0.005};
  spread_rounded(v, 0.001);
  std::vector<double> want{0.0005, 0.0045, 0.00475, 0.005, 0.00525, 0.0055};
  ASSERT_EQ(v.size(), want.size());
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], want[i], 1e-12) << i;
  std::vector<double> cut{2, 0, 2};  // Gunicorn's %(T)s: 2 means 2 <= t < 3
  spread_rounded(cut, 1, true);
  EXPECT_EQ(cut, (std::vector<double>{1, 2.5, 3}));
}

TEST(ProfileFitter, MillisecondLogsKeepTheMedianOfAFastRoute) {
  // A lognormal route with p50 = 5 ms logged as nginx does, with 3 decimals in seconds.
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(std::log(0.005), std::log(10.0) / 2.3263478740408408);
  ProfileFitter fitter;
  for (int i = 0; i < 100000; ++i) {
    AccessRecord r = record("GET", "/x", 200, std::round(dist(rng) * 1e3) / 1e3, 1);
    r.resolution_s = 1e-3;
    fitter.add(r);
  }
  Distribution io = fitter.finish({"x", 10}).profile.routes.at(0).io;
  EXPECT_NEAR(histogram_quantile(io, 0.5), 0.005, 0.05 * 0.005);
  EXPECT_NEAR(histogram_quantile(io, 0.99), 0.050, 0.05 * 0.050);
}


TEST(ProfileFitter, WeightsMethodsStatusMixAndBusiestFirst) {
  ProfileFitter fitter;
  for (int i = 0; i < 600; ++i) fitter.add(record("GET", "/users/" + std::to_string(i), i % 100 == 0 ? 404 : 200, 0.002, 300));
  for (int i = 0; i < 300; ++i) fitter.add(record("POST", "/users", i % 10 == 0 ? 500 : 201, 0.01 + i * 1e-5, 80 + i));
  for (int i = 0; i < 100; ++i) fitter.add(record("GET", "/users?page=" + std::to_string(i), 200, 0.001, 5000));
  FitResult fit = fitter.finish({"api", 100});
  EXPECT_EQ(fit.requests, 1000u);
  EXPECT_EQ(fit.routes_seen, 3u);
  ASSERT_EQ(fit.profile.routes.size(), 3u);
  EXPECT_EQ(fit.profile.name, "api");
  const Route& get_user = fit.profile.routes[0];
  EXPECT_EQ(get_user.path, "/users/{id}");
  EXPECT_EQ(get_user.method, "GET");
  EXPECT_DOUBLE_EQ(get_user.weight, 60);
  EXPECT_EQ(get_user.io.kind, Distribution::Kind::fixed);
  EXPECT_DOUBLE_EQ(get_user.io.a, 0.002);
  EXPECT_EQ(get_user.cpu, (Distribution{Distribution::Kind::fixed, 0, 0, {}, {}}));
  ASSERT_EQ(get_user.status_mix.size(), 1u);
  EXPECT_EQ(get_user.status_mix[0].code, 404);
  EXPECT_DOUBLE_EQ(get_user.status_mix[0].share, 0.01);
  const Route& post = fit.profile.routes[1];
  EXPECT_EQ(post.path, "/users");
  EXPECT_EQ(post.method, "POST");
  EXPECT_DOUBLE_EQ(post.weight, 30);
  EXPECT_EQ(post.io.kind, Distribution::Kind::histogram);
  EXPECT_EQ(post.response_bytes.kind, Distribution::Kind::histogram);
  ASSERT_EQ(post.status_mix.size(), 2u);  // 201 and 500 are both not 200
  EXPECT_EQ(post.status_mix[0].code, 201);
  EXPECT_DOUBLE_EQ(post.status_mix[0].share, 0.9);
  EXPECT_DOUBLE_EQ(post.status_mix[1].share, 0.1);
  EXPECT_EQ(fit.profile.routes[2].path, "/users");
  EXPECT_EQ(fit.profile.routes[2].method, "GET");
  EXPECT_DOUBLE_EQ(fit.profile.routes[2].response_bytes.a, 5000);
}

TEST(ProfileFitter, MaxRoutesKeepsTheBusiestAndCountsTheRest) {
  ProfileFitter fitter;
  for (int i = 0; i < 10; ++i) fitter.add(record("GET", "/a", 200, 0.001, 1));
  for (int i = 0; i < 5; ++i) fitter.add(record("GET", "/b", 200, 0.001, 1));
  for (int i = 0; i < 3; ++i) fitter.add(record("GET", "/c", 200, 0.001, 1));
  FitResult fit = fitter.finish({"x", 1});
  ASSERT_EQ(fit.profile.routes.size(), 1u);
  EXPECT_EQ(fit.profile.routes[0].path, "/a");
  EXPECT_EQ(fit.routes_left_out, 2u);
  EXPECT_EQ(fit.requests_left_out, 8u);
  AccessLogScan scan;
  scan.lines = 20;
  scan.parsed = 18;
  scan.skipped = 2;
  scan.first_skipped = {{4, "column 1: nope"}, {9, "column 3: nope"}};
  std::vector<std::string> lines = describe_fit("x.log", "combined", scan, fit);
  std::string all;
  for (const std::string& l : lines) all += l + "\n";
  EXPECT_NE(all.find("lines: 20 read, 18 parsed (90.00 %), 2 skipped"), std::string::npos) << all;
  EXPECT_NE(all.find("skipped line 9: column 3: nope"), std::string::npos) << all;
  EXPECT_NE(all.find("left out (--max-routes): 2 routes, 8 requests"), std::string::npos) << all;
  EXPECT_NE(all.find("time span: unknown"), std::string::npos) << all;
}

}  // namespace
}  // namespace wpm
