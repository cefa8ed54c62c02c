// Shared helpers of the engine tests: a spec aimed at a test server, and the invariants every
// result must satisfy whatever happened.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "loadgen/engine.h"
#include "tests/unit/loadgen/delay_server.h"

namespace wpm::loadgen::testing {

inline LoadSpec spec_for(uint16_t port) {
  LoadSpec spec;
  spec.port = port;
  spec.threads = 2;
  spec.connections = 4;
  spec.duration_s = 1;
  spec.request_timeout_s = 2;
  return spec;
}

inline LoadResult run_to_end(const LoadSpec& spec) {
  auto run = LoadRun::start(spec);
  EXPECT_TRUE(run) << run.error().message;
  if (!run) return LoadResult{};
  return (*run)->wait();
}

inline double ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

// Every attempt ends exactly one way; latency holds responses and timeouts; the timeline adds up.
inline void expect_consistent(const LoadResult& r) {
  const Counts& c = r.counts;
  EXPECT_EQ(c.attempts, c.responses + c.failed() + c.abandoned);
  EXPECT_GE(c.sent, c.responses);
  EXPECT_LE(c.connect_timeouts, c.connect);
  EXPECT_EQ(r.latency.count(), c.responses + c.timeout);
  EXPECT_EQ(r.service.count(), r.latency.count());
  EXPECT_EQ(r.queue.count(), r.latency.count());
  uint64_t completed = 0, errors = 0;
  for (const TimelinePoint& p : r.timeline) {
    completed += p.completed;
    errors += p.errors;
  }
  EXPECT_EQ(completed, c.responses);
  EXPECT_EQ(errors, c.errors());
}

}  // namespace wpm::loadgen::testing

namespace wpm::loadgen::testing {

// The machine's own latency noise: an open-loop run against a server that answers at once.
inline LoadResult noise_floor_run() {
  DelayServer server({});
  LoadSpec spec = spec_for(server.port());
  spec.threads = 1;
  spec.rate = 500;
  spec.connections = 16;
  spec.warmup_s = 0.1;
  return run_to_end(spec);
}

// Timing bounds on a shared, sanitized 2-core machine: a preempted thread (a 4 ms scheduler
// tick) can push a few percent of requests past a tight bound. A measurement that checks
// timing therefore runs up to `attempts` times and passes if one run meets every bound; exact
// counts are asserted on every run. A real measurement error (coordinated omission, a dropped
// tail) fails every run. `run` returns the violated bounds as text, empty when all held.
// When every run missed, a no-delay run tells noise from error: scheduler noise leaves its
// median fast but its p99 beyond 2 ms (the tightest bound) — then the test is SKIPPED, loudly,
// with the numbers; a client that is slow by itself has a slow median and still FAILS.
template <class Fn>
void expect_timing_within_attempts(int attempts, Fn run) {
  std::string violations;
  for (int i = 0; i < attempts; ++i) {
    violations = run();
    if (violations.empty()) {
      std::printf("timing attempt %d met every bound\n", i + 1);
      return;
    }
    std::printf("timing attempt %d missed: %s\n", i + 1, violations.c_str());
  }
  LoadResult floor = noise_floor_run();
  double p50 = ms(floor.latency.percentile(50)), p99 = ms(floor.latency.percentile(99));
  if (p50 < 1.0 && p99 > 2.0) {
    GTEST_SKIP() << "machine too noisy for timing bounds: a no-delay run has p50 " << p50 << " ms but p99 "
                 << p99 << " ms; last run: " << violations;
  }
  ADD_FAILURE() << "timing bounds missed in all " << attempts << " runs (no-delay p50 " << p50 << " ms, p99 "
                << p99 << " ms); last: " << violations;
}

// Appends "name=value not in [lo, hi]" when the bound fails.
inline void check_range(std::string& out, const char* name, double value, double lo, double hi) {
  std::printf("  %s=%.3f (bound [%.3f, %.3f])\n", name, value, lo, hi);  // figures for the log
  if (value >= lo && value <= hi) return;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s=%.3f not in [%.3f, %.3f]; ", name, value, lo, hi);
  out += buf;
}

}  // namespace wpm::loadgen::testing
