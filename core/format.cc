#include "core/format.h"

#include <cmath>
#include <cstdio>
#include <iterator>

namespace wpm {
namespace {

// 3 significant digits: 1.23, 12.3, 123.
std::string three_digits(double v) {
  if (v >= 99.95) return format_fixed(v, 0);
  if (v >= 9.995) return format_fixed(v, 1);
  return format_fixed(v, 2);
}

}  // namespace

std::string format_seconds(double s) {
  if (!std::isfinite(s)) return "-";
  if (s == 0) return "0";
  double a = std::fabs(s);
  if (a >= 0.9995) return three_digits(s) + "s";
  if (a >= 0.0009995) return three_digits(s * 1e3) + "ms";
  if (a >= 0.0000009995) return three_digits(s * 1e6) + "us";
  return three_digits(s * 1e9) + "ns";
}

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kUnits)) v /= 1024, ++u;
  return u == 0 ? std::to_string(bytes) + "B" : format_fixed(v, 1) + kUnits[u];
}

std::string format_fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace wpm
