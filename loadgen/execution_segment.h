// Execution segments: the I-th of N shares of one scenario, so that N generator processes
// (on one or many machines) together run exactly the scenario one would.
//
// Integers (connections, --requests) split exactly: each segment gets total / N and the first
// total % N segments one more (10 over 3 = 4/3/3), so the shares sum to the total and differ
// by at most one. A segment left with 0 connections (or 0 of a --requests limit) is a usage
// error: it could not run its share.
//
// The open-loop rate splits equally, rate / N per segment, and the arrival schedules are
// chosen so that their union is the whole scenario's schedule:
// - constant: the k6 way, each segment takes every N-th arrival of the one sequence. Thread t
//   of T in segment I starts at phase (t·N + I) / (T·N) of its period T·N / rate, so its
//   arrivals are the instants (k·T·N + t·N + I) / rate and all of them together are m / rate,
//   m = 0, 1, 2, … (exact when each segment's connections divide evenly among its threads,
//   as for a single generator's threads).
// - Poisson: every thread of every segment draws an independent stream (its own seed); a
//   superposition of independent Poisson processes is a Poisson process of the summed rate.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wpm::loadgen {

inline constexpr uint32_t kMaxSegments = 64;

struct ExecutionSegment {
  uint32_t index = 0;  // 0-based
  uint32_t count = 1;
  bool whole() const { return count == 1; }
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "I/N", 0 <= I < N <= kMaxSegments; a usage error naming the rule otherwise.
Result<ExecutionSegment> parse_segment(std::string_view text);

// This segment's share of an integer total: total / N, plus one for the first total % N.
uint64_t segment_share(uint64_t total, ExecutionSegment segment);

// This segment's share of an open-loop rate (requests/s): rate / N.
double segment_rate(double rate, ExecutionSegment segment);

// Phase in [0, 1) of thread `thread` of `threads` in this segment (see the header comment).
double segment_phase(uint32_t thread, uint32_t threads, ExecutionSegment segment);

// A seed for thread `thread` of this segment, distinct for every (segment, thread) pair.
uint64_t segment_seed(uint64_t seed, uint32_t thread, ExecutionSegment segment);

}  // namespace wpm::loadgen
