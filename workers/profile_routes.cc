#include "workers/profile_routes.h"

#include <array>
#include <atomic>
#include <cmath>
#include <random>

namespace wpm::app {
namespace {

// One sequence per route and quantity, each stepping by a different irrational so the
// quantities of one request are not correlated.
enum Quantity { kCpu, kIo, kBytes, kStatus, kQuantities };
constexpr std::array<double, kQuantities> kStep{0.6180339887498949, 0.4142135623730950,
                                                0.7320508075688772, 0.2360679774997897};
constexpr size_t kTrackedRoutes = 256;  // routes beyond share sequences (still uniform)

struct ThreadDraws {
  bool seeded = false;
  std::array<double, kQuantities> offset{};
  std::array<std::array<uint64_t, kQuantities>, kTrackedRoutes> count{};
};

std::atomic<uint64_t> thread_ordinal{0};

ThreadDraws& thread_draws(uint64_t seed) {
  thread_local ThreadDraws draws;
  if (!draws.seeded) {
    std::seed_seq seq{seed, thread_ordinal.fetch_add(1, std::memory_order_relaxed)};
    std::mt19937_64 rng(seq);
    for (double& o : draws.offset) o = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    draws.seeded = true;
  }
  return draws;
}

double next_u(ThreadDraws& d, size_t route, Quantity q) {
  uint64_t n = d.count[route % kTrackedRoutes][q]++;
  double u = d.offset[q] + static_cast<double>(n % (uint64_t{1} << 40)) * kStep[q];
  return u - std::floor(u);
}

uint64_t micros(double seconds) { return static_cast<uint64_t>(std::llround(seconds * 1e6)); }

// Segments after the leading '/': "/" -> [""], "/a/b" -> ["a", "b"].
template <class F>
void for_each_segment(std::string_view path, F f) {
  path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    f(path.substr(0, slash));
    if (slash == std::string_view::npos) return;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

ProfileRoutes::ProfileRoutes(const Profile& profile, uint64_t seed) : seed_(seed) {
  for (const Route& r : profile.routes) {
    Compiled c{r, {}};
    for_each_segment(r.path, [&c](std::string_view s) {
      bool param = s.size() >= 2 && s.front() == '{' && s.back() == '}';
      c.segments.push_back({std::string(s), param});
    });
    routes_.push_back(std::move(c));
  }
}

bool ProfileRoutes::path_matches(const std::vector<Segment>& segments, std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  size_t i = 0;
  bool ok = true;
  for_each_segment(path, [&](std::string_view s) {
    if (!ok) return;
    if (i >= segments.size()) ok = false;
    else if (segments[i].param) ok = !s.empty();
    else ok = s == segments[i].text;
    ++i;
  });
  return ok && i == segments.size();
}

int ProfileRoutes::match(std::string_view method, std::string_view path) const {
  int result = kNoMatch;
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (!path_matches(routes_[i].segments, path)) continue;
    if (routes_[i].route.method == method) return static_cast<int>(i);
    result = kWrongMethod;
  }
  return result;
}

int ProfileRoutes::match_path(std::string_view path) const {
  for (size_t i = 0; i < routes_.size(); ++i)
    if (path_matches(routes_[i].segments, path)) return static_cast<int>(i);
  return kNoMatch;
}

RouteDraw ProfileRoutes::draw(int index) const {
  const Route& r = routes_[index].route;
  ThreadDraws& d = thread_draws(seed_);
  size_t at = static_cast<size_t>(index);
  RouteDraw out;
  out.cpu_us = micros(quantile(r.cpu, next_u(d, at, kCpu)));
  out.io_us = micros(quantile(r.io, next_u(d, at, kIo)));
  out.bytes = static_cast<uint64_t>(std::llround(quantile(r.response_bytes, next_u(d, at, kBytes))));
  double u = next_u(d, at, kStatus);
  if (u < r.raise_share) {
    out.raise = true;
    return out;
  }
  double below = r.raise_share;
  for (const StatusShare& s : r.status_mix) {
    below += s.share;
    if (u < below) {
      out.status = s.code;
      break;
    }
  }
  return out;
}

}  // namespace wpm::app
