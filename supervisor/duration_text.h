// Durations in log lines: "0.0184 s", "1.25 s", "3600 s": three significant digits below
// 10 s, whole seconds above, so logs stay readable.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace wpm::supervisor {

inline std::string duration_text(uint64_t ns) {
  char buf[32];
  double seconds = static_cast<double>(ns) * 1e-9;
  std::snprintf(buf, sizeof buf, seconds < 10 ? "%.3g s" : "%.0f s", seconds);
  return buf;
}

}  // namespace wpm::supervisor
