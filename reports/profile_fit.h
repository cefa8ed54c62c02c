// Access-log records → a workload profile (core/profile.h): requests grouped by method and
// route template, each route's share of the requests as its weight, its request times as an
// explicit histogram in `io` (an access log cannot tell CPU from waiting), its response sizes
// and its status mix. The histogram's bounds are the route's own quantiles, dense in the tail,
// so a profile served from it has the log's p50 and p99.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/profile.h"
#include "reports/access_log.h"

namespace wpm {

// The route template of a request path: query string dropped, and segments that look like
// ids collapsed to `{id}` — all digits, a UUID, hex of 6+ characters with a digit, or a token
// of 16+ letters/digits/-_.= with both letters and digits (hashes, base64 ids).
std::string route_template(std::string_view path);

// A histogram whose bounds are the values at fixed quantile levels (0.1 %, 1 %, 2 %, …, 99 %,
// 99.5 %, 99.9 %, 100 %) and whose weights are the number of values in each bucket; a fixed
// distribution when all values are equal. Bounds are kept at or above `floor` (a bucket
// starts at 0) and rounded to multiples of `resolution`.
Distribution fit_histogram(std::vector<double> values, double floor, double resolution);

// Values logged with a coarse step (nginx's $request_time in ms): each run of equal values v
// spread evenly over the interval it stands for, (v - step/2, v + step/2] (from 0 at the
// bottom), or (v, v + step] when `truncated`, so a fit does not see a staircase. Sorts `values`.
void spread_rounded(std::vector<double>& values, double step, bool truncated = false);

struct FitOptions {
  std::string name = "access-log";
  size_t max_routes = 100;  // the busiest routes; the rest are left out and counted
};

struct FitResult {
  Profile profile;
  size_t requests = 0;         // records fitted
  size_t routes_seen = 0;      // distinct (method, template)
  size_t routes_left_out = 0;  // beyond max_routes
  size_t requests_left_out = 0;
};

class ProfileFitter {
 public:
  void add(const AccessRecord& record);
  size_t requests() const { return requests_; }
  FitResult finish(const FitOptions& options) const;

 private:
  struct RouteSamples {
    std::vector<double> seconds;
    double step = 1e-6;  // the coarsest time resolution seen
    bool truncated = false;
    std::vector<double> bytes;
    std::map<int, size_t> statuses;
  };
  std::map<std::pair<std::string, std::string>, RouteSamples> routes_;  // (template, method)
  size_t requests_ = 0;
};

// The lines that say how much of the log was understood (no comment markers): lines read,
// parsed, skipped with the first reasons, routes, time span.
std::vector<std::string> describe_fit(const std::string& source, const std::string& format,
                                      const AccessLogScan& scan, const FitResult& fit);

}  // namespace wpm
