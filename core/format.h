// Numbers for people: reports, log lines and the status table spell durations and sizes here.
#pragma once

#include <cstdint>
#include <string>

namespace wpm {

// 3 significant digits in the largest unit that keeps the value >= 1: "812us", "7.42ms", "2.50s";
// "-" for non-finite values.
std::string format_seconds(double seconds);
inline std::string format_nanoseconds(uint64_t ns) {
  return format_seconds(static_cast<double>(ns) * 1e-9);
}
std::string format_bytes(uint64_t bytes);              // "512B", "18.0MiB"
std::string format_fixed(double value, int decimals);  // printf("%.*f"), "-" if not finite

}  // namespace wpm
