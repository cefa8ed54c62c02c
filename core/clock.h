// Clocks: monotonic for durations and heartbeats, wall for worker ids and uptime labels.
#pragma once

#include <cstdint>
#include <ctime>

namespace wpm {

inline uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline double unix_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline constexpr double ns_to_seconds(uint64_t ns) { return static_cast<double>(ns) * 1e-9; }

}  // namespace wpm
