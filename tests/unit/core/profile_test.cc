// Known answers for the profile distributions: sampled quantiles and moments against theory,
// and validation errors that name the field.
#include "core/profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace wpm {
namespace {

using K = Distribution::Kind;

std::vector<double> draws(const Distribution& d, size_t n, uint64_t seed = 42) {
  std::mt19937_64 rng(seed);
  std::vector<double> out(n);
  for (double& v : out) v = sample(d, rng);
  std::sort(out.begin(), out.end());
  return out;
}

double at_quantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<size_t>(q * static_cast<double>(sorted.size() - 1))];
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double stddev(const std::vector<double>& v) {
  double m = mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

TEST(ProfileSample, LognormalHitsItsP50AndP99) {
  Distribution d{K::lognormal, 0.005, 0.050, {}, {}};
  // Exact by construction through the inverse CDF.
  EXPECT_NEAR(quantile(d, 0.5), 0.005, 1e-9);
  EXPECT_NEAR(quantile(d, 0.99), 0.050, 1e-8);
  // 200k draws: the empirical p99's relative standard error is ~0.8 %, p50's ~0.3 %.
  std::vector<double> v = draws(d, 200'000);
  EXPECT_NEAR(at_quantile(v, 0.5) / 0.005, 1.0, 0.015);
  EXPECT_NEAR(at_quantile(v, 0.99) / 0.050, 1.0, 0.035);
  // Mean of a lognormal: exp(mu + sigma^2 / 2).
  double sigma = std::log(10.0) / 2.3263478740408408;
  EXPECT_NEAR(mean(v) / (0.005 * std::exp(sigma * sigma / 2)), 1.0, 0.02);
  EXPECT_GT(v.front(), 0.0);
}

TEST(ProfileSample, LognormalWithEqualQuantilesIsFixed) {
  Distribution d{K::lognormal, 0.01, 0.01, {}, {}};
  std::vector<double> v = draws(d, 1000);
  EXPECT_DOUBLE_EQ(v.front(), 0.01);
  EXPECT_DOUBLE_EQ(v.back(), 0.01);
}

TEST(ProfileSample, UniformMeanAndQuantiles) {
  Distribution d{K::uniform, 0.002, 0.010, {}, {}};
  std::vector<double> v = draws(d, 100'000);
  EXPECT_GE(v.front(), 0.002);
  EXPECT_LE(v.back(), 0.010);
  EXPECT_NEAR(mean(v), 0.006, 0.00005);
  EXPECT_NEAR(at_quantile(v, 0.25), 0.004, 0.0001);
  EXPECT_NEAR(at_quantile(v, 0.9), 0.0092, 0.0001);
  EXPECT_NEAR(stddev(v), 0.008 / std::sqrt(12.0), 0.00005);
}

TEST(ProfileSample, NormalMeanAndStddev) {
  Distribution d{K::normal, 0.020, 0.004, {}, {}};
  std::vector<double> v = draws(d, 100'000);
  EXPECT_NEAR(mean(v), 0.020, 0.0001);
  EXPECT_NEAR(stddev(v), 0.004, 0.0001);
  EXPECT_NEAR(at_quantile(v, 0.8413), 0.024, 0.0002);  // mean + 1 sd
}

TEST(ProfileSample, NormalIsClampedAtZero) {
  Distribution d{K::normal, 0.001, 0.010, {}, {}};
  std::vector<double> v = draws(d, 20'000);
  EXPECT_EQ(v.front(), 0.0);
  // P(X <= 0) = Phi(-0.1) = 0.4602: that share of draws is exactly 0.
  double zeros = static_cast<double>(std::count(v.begin(), v.end(), 0.0)) / 20'000.0;
  EXPECT_NEAR(zeros, 0.4602, 0.015);
}

TEST(ProfileSample, FixedIsTheValue) {
  Distribution d{K::fixed, 0.0125, 0, {}, {}};
  std::mt19937_64 rng(1);
  EXPECT_EQ(sample(d, rng), 0.0125);
  EXPECT_EQ(quantile(d, 0.99), 0.0125);
}

TEST(ProfileSample, HistogramPicksBucketsByWeightUniformInside) {
  // (0, 1ms] 50 %, (1ms, 10ms] 30 %, (10ms, 100ms] 20 %.
  Distribution d{K::histogram, 0, 0, {0.001, 0.010, 0.100}, {5, 3, 2}};
  std::vector<double> v = draws(d, 100'000);
  auto share = [&v](double lo, double hi) {
    size_t n = 0;
    for (double x : v) n += x > lo && x <= hi;
    return static_cast<double>(n) / static_cast<double>(v.size());
  };
  // Binomial standard error at n = 100k is <= 0.16 %: 1 % is more than 6 of them.
  EXPECT_NEAR(share(0, 0.001), 0.5, 0.01);
  EXPECT_NEAR(share(0.001, 0.010), 0.3, 0.01);
  EXPECT_NEAR(share(0.010, 0.100), 0.2, 0.01);
  EXPECT_LE(v.back(), 0.100);
  // Uniform inside each bucket: the mean is the weighted mid-points.
  double expected = 0.5 * 0.0005 + 0.3 * 0.0055 + 0.2 * 0.055;
  EXPECT_NEAR(mean(v) / expected, 1.0, 0.02);
  // A zero-weight bucket is never drawn.
  Distribution gap{K::histogram, 0, 0, {1, 2, 3}, {1, 0, 1}};
  for (double x : draws(gap, 10'000)) EXPECT_FALSE(x > 1 && x <= 2) << x;
}

Route route(const char* path) {
  Route r;
  r.path = path;
  return r;
}

std::string error_of(const Profile& p) {
  Status s = validate(p);
  EXPECT_FALSE(s.ok());
  return s.ok() ? "" : s.error().message;
}

TEST(ProfileValidate, AcceptsATypicalProfile) {
  Profile p;
  p.routes = {route("/api/users/{id}"), route("/health")};
  p.routes[0].io = {K::lognormal, 0.002, 0.020, {}, {}};
  p.routes[0].status_mix = {{500, 0.005}, {404, 0.01}};
  p.routes[0].raise_share = 0.001;
  EXPECT_TRUE(validate(p).ok());
}

TEST(ProfileValidate, NamesTheRouteAndField) {
  Profile p;
  p.routes = {route("/a"), route("/b")};
  p.routes[1].cpu = {K::lognormal, 0.020, 0.010, {}, {}};
  EXPECT_EQ(error_of(p).rfind("'route[1].cpu.p99': must be >= p50", 0), 0u) << error_of(p);

  p.routes[1].cpu = {K::uniform, 0.020, 0.010, {}, {}};
  EXPECT_EQ(error_of(p).rfind("'route[1].cpu.max'", 0), 0u);

  p.routes[1].cpu = {};
  p.routes[1].weight = 0;
  EXPECT_EQ(error_of(p).rfind("'route[1].weight'", 0), 0u);

  p.routes[1].weight = 1;
  p.routes[1].io = {K::histogram, 0, 0, {0.002, 0.001}, {1, 1}};
  EXPECT_EQ(error_of(p).rfind("'route[1].io.bounds[1]'", 0), 0u);

  p.routes[1].io = {K::histogram, 0, 0, {0.001, 0.002}, {1}};
  EXPECT_EQ(error_of(p).rfind("'route[1].io.weights'", 0), 0u);

  p.routes[1].io = {};
  p.routes[1].status_mix = {{500, 0.7}, {503, 0.2}};
  p.routes[1].raise_share = 0.2;
  EXPECT_EQ(error_of(p).rfind("'route[1].status': shares and raise add up to 1.1", 0), 0u);

  p.routes[1].status_mix = {{200, 0.333334}, {404, 0.333334}, {500, 0.333334}};  // rounded
  p.routes[1].raise_share = 0;
  EXPECT_TRUE(validate(p).ok());

  p.routes[1].status_mix = {{700, 0.1}};
  p.routes[1].raise_share = 0;
  EXPECT_EQ(error_of(p).rfind("'route[1].status.700'", 0), 0u);

  p.routes[1] = route("b");
  EXPECT_EQ(error_of(p).rfind("'route[1].path'", 0), 0u);

  p.routes[1] = route("/a");
  EXPECT_EQ(error_of(p).rfind("'route[1].path': the same method and path as route[0]", 0), 0u);

  EXPECT_EQ(error_of(Profile{}).rfind("'route'", 0), 0u);
}

}  // namespace
}  // namespace wpm
