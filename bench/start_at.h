// --start-at: the measured phase begins at a wall-clock instant, so generators started at
// different moments (other processes, other machines with synchronised clocks) measure the
// same window. The instant is checked before any work starts; the wait happens at the
// loadgen's gate (nothing in flight, warm-up drained), right before the measured start.
#pragma once

#include <string_view>

#include "core/result.h"

namespace wpm::bench {

// Room between the end of the warm-up and the instant: the last warm-up responses, the gate,
// the pool's before-scrape.
inline constexpr double kStartAtGateS = 0.1;

// RFC 3339 date-time: 2026-12-07T18:00:00Z, with optional fraction and a Z or ±HH:MM offset
// ('t', 'z' and a space for 'T' are accepted, as RFC 3339 allows). Usage error otherwise.
Result<double> parse_rfc3339(std::string_view text);

// The instant must leave room for the warm-up (and a little for the pool and the gate):
// a usage error saying how far away it is and what it must leave room for.
Status check_start_at(double start_at_unix_s, double now_unix_s, double warmup_s);

// (Unix seconds: core/clock.h's unix_seconds().)
// Sleeps until the wall clock reads `unix_s` (absolute, so a late wake-up is not compounded).
void sleep_until_unix(double unix_s);

}  // namespace wpm::bench
