// Shared helpers of the engine tests: a spec aimed at a test server, and the invariants every
// result must satisfy whatever happened.
#pragma once

#include <gtest/gtest.h>

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
