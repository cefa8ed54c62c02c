#include "bench/start_at.h"

#include <cerrno>
#include <cmath>
#include <ctime>
#include <string>

#include "core/format.h"

namespace wpm::bench {
namespace {

bool digits(std::string_view text, size_t at, size_t n, int& out) {
  if (at + n > text.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// Fraction ".123…" at `at`; returns the index after it.
size_t fraction(std::string_view text, size_t at, double& out) {
  out = 0;
  if (at >= text.size() || text[at] != '.') return at;
  double scale = 0.1;
  size_t i = at + 1;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, scale /= 10) out += (text[i] - '0') * scale;
  return i == at + 1 ? std::string_view::npos : i;
}

}  // namespace

Result<double> parse_rfc3339(std::string_view text) {
  auto bad = [&text] {
    return Error{"'" + std::string(text) +
                     "': expected an RFC 3339 time such as 2026-12-07T18:00:00Z or "
                     "2026-12-07T19:00:00.5+01:00, or +DURATION from now such as +10s",
                 kExitUsage};
  };
  int year, month, day, hour, minute, second;
  auto sep = [&text](size_t at, std::string_view allowed) {
    return at < text.size() && allowed.find(text[at]) != std::string_view::npos;
  };
  if (!digits(text, 0, 4, year) || !sep(4, "-") || !digits(text, 5, 2, month) || !sep(7, "-") ||
      !digits(text, 8, 2, day) || !sep(10, "Tt ") || !digits(text, 11, 2, hour) || !sep(13, ":") ||
      !digits(text, 14, 2, minute) || !sep(16, ":") || !digits(text, 17, 2, second))
    return bad();
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return bad();
  double frac = 0;
  size_t at = fraction(text, 19, frac);
  if (at == std::string_view::npos || at >= text.size()) return bad();
  int offset_s = 0;
  if (sep(at, "Zz") && at + 1 == text.size()) {
    offset_s = 0;
  } else if (sep(at, "+-") && at + 6 == text.size() && sep(at + 3, ":")) {
    int oh, om;
    if (!digits(text, at + 1, 2, oh) || !digits(text, at + 4, 2, om) || oh > 23 || om > 59) return bad();
    offset_s = (text[at] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  } else {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = year - 1900, tm.tm_mon = month - 1, tm.tm_mday = day;
  tm.tm_hour = hour, tm.tm_min = minute, tm.tm_sec = second;
  time_t utc = timegm(&tm);
  if (tm.tm_mday != day) return bad();  // 31 February normalised into March
  return static_cast<double>(utc) + frac - offset_s;
}

Status check_start_at(double start_at, double now, double warmup_s) {
  double away = start_at - now;
  if (away <= 0)
    return Error{"--start-at: the instant passed " + format_fixed(-away, 3) + " s ago", kExitUsage};
  if (away < warmup_s + kStartAtGateS)
    return Error{"--start-at: the instant is " + format_fixed(away, 3) + " s away, too soon for --warmup " +
                     format_fixed(warmup_s, 3) + " s (and " + format_fixed(kStartAtGateS, 1) +
                     " s to reach the measured start); start later or shorten the warm-up",
                 kExitUsage};
  return {};
}

void sleep_until_unix(double unix_s) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(std::floor(unix_s));
  ts.tv_nsec = static_cast<long>((unix_s - std::floor(unix_s)) * 1e9);
  if (ts.tv_nsec >= 1000000000L) ts.tv_sec += 1, ts.tv_nsec -= 1000000000L;
  while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace wpm::bench
