// A workload profile: the routes of an app with their weights, CPU time, I/O wait and response
// size as distributions, and a status mix. `wpm serve --profile` serves it, `wpm bench
// --profile` drives the same weighted mix, `wpm profile --from-access-log` writes one. The TOML
// form is read and written in cli/ (profile_toml.h); this is the plain model both sides share.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wpm {

// Times in seconds, sizes in bytes.
struct Distribution {
  enum class Kind { fixed, uniform, normal, lognormal, histogram };
  Kind kind = Kind::fixed;
  // fixed: a; uniform: [a, b]; normal: mean a, stddev b (clamped at 0);
  // lognormal: p50 a, p99 b (b >= a > 0).
  double a = 0;
  double b = 0;
  // histogram: bucket i holds values in (bounds[i-1], bounds[i]] (bounds[-1] = 0), drawn
  // uniformly inside the bucket, with probability weights[i] / sum(weights).
  std::vector<double> bounds;
  std::vector<double> weights;

  bool operator==(const Distribution&) const = default;
};

struct StatusShare {
  int code = 200;
  double share = 0;  // fraction of the route's requests, 0..1
  bool operator==(const StatusShare&) const = default;
};

struct Route {
  std::string path;  // template: literal segments and `{name}` segments (one path segment each)
  std::string method = "GET";
  double weight = 1;  // relative to the other routes
  Distribution cpu;   // busy CPU seconds per request
  Distribution io;    // I/O wait seconds per request (yields in eventlet and gevent)
  Distribution response_bytes{Distribution::Kind::fixed, 2, 0, {}, {}};
  std::vector<StatusShare> status_mix;  // the rest answers 200
  double raise_share = 0;               // handler raises: 500, counted as a failed request
  bool operator==(const Route&) const = default;
};

struct Profile {
  std::string name;
  std::vector<Route> routes;
  bool operator==(const Profile&) const = default;
};

// Checks ranges and forms (weights > 0, shares sum <= 1, lognormal p99 >= p50 > 0, histogram
// bounds ascending with one weight each); the error names the route and field.
Status validate(const Profile& profile);

// One draw from the distribution (never negative).
double sample(const Distribution& d, std::mt19937_64& rng);

// The inverse CDF: the value below which a share u (0 <= u < 1) of draws fall (never
// negative; normal is clamped at 0). sample() is quantile() of a uniform draw; the server
// feeds it a low-discrepancy sequence so short runs already show the profile's quantiles.
double quantile(const Distribution& d, double u);

// The name of a distribution field in the TOML form ("p99" for lognormal's b, ...).
std::string_view field_name(Distribution::Kind kind, bool second);

}  // namespace wpm
