// The routes of a workload profile (core/profile.h) served by the synthetic app: template
// matching and, per request, a drawn CPU time, I/O wait, response size and status.
//
// Built once at worker start; match() and draw() allocate nothing. Draws go through each
// distribution's inverse CDF fed by a per-thread golden-ratio (Kronecker) sequence per route
// and quantity, started at a random offset seeded distinctly per worker and thread: the
// values are distributed exactly as the profile says, and even a short run shows its
// quantiles (a low-discrepancy sequence converges like 1/n, independent draws like 1/sqrt(n)).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/profile.h"

namespace wpm::app {

// What one request of a profile route does (times in microseconds).
struct RouteDraw {
  uint64_t cpu_us = 0;
  uint64_t io_us = 0;
  uint64_t bytes = 0;
  int status = 200;
  bool raise = false;  // the handler raises: 500, a failed request
};

class ProfileRoutes {
 public:
  static constexpr int kNoMatch = -1;
  static constexpr int kWrongMethod = -2;  // the path matches a route, the method none

  ProfileRoutes(const Profile& profile, uint64_t seed);

  // The route serving (method, path); kWrongMethod when only the method differs.
  int match(std::string_view method, std::string_view path) const;
  // The template of the route whose path matches, for labels of 405s (kNoMatch: none).
  int match_path(std::string_view path) const;
  std::string_view route_template(int index) const { return routes_[index].route.path; }
  RouteDraw draw(int index) const;

 private:
  struct Segment {
    std::string text;
    bool param = false;  // `{name}`: any one non-empty segment
  };
  struct Compiled {
    Route route;
    std::vector<Segment> segments;
  };
  static bool path_matches(const std::vector<Segment>& segments, std::string_view path);

  std::vector<Compiled> routes_;
  uint64_t seed_;
};

}  // namespace wpm::app
