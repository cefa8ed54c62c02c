// Configured durations (timeout, keepalive, graceful_timeout: seconds as doubles) turned into
// the nanoseconds the loops add to monotonic times. Saturating: "--timeout 20000000000s"
// means "never", not an overflow that wraps every deadline into the past (which would reset
// every connection at once).
#pragma once

#include <algorithm>
#include <cstdint>

namespace wpm {

// ~146 years: far beyond any run, yet monotonic_ns() + kForeverNs cannot overflow uint64.
inline constexpr uint64_t kForeverNs = UINT64_MAX / 4;

// Seconds → nanoseconds: 0 for zero, negative or NaN; kForeverNs for anything at least that
// long (infinity included).
constexpr uint64_t seconds_to_ns(double s) {
  if (!(s > 0)) return 0;
  if (s >= static_cast<double>(kForeverNs) / 1e9) return kForeverNs;
  return static_cast<uint64_t>(s * 1e9);
}

// Seconds → whole milliseconds clamped to [lo, hi] (poll timeouts), without an int overflow.
constexpr int seconds_to_ms_clamped(double s, int lo, int hi) {
  if (!(s * 1000.0 > lo)) return lo;
  if (s * 1000.0 >= hi) return hi;
  return static_cast<int>(s * 1000.0);
}

}  // namespace wpm
