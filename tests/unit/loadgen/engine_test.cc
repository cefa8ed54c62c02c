// The engine's mechanics against the test server: loops, modes, mix, phases, stop, progress,
// and exact agreement between what the client counted and what the server did.
#include <gtest/gtest.h>

#include <thread>

#include "core/clock.h"
#include "tests/unit/loadgen/engine_helpers.h"

namespace wpm::loadgen::testing {
namespace {

TEST(Engine, ClosedLoopKeepAliveReconcilesExactly) {
  DelayServer server({});
  LoadSpec spec = spec_for(server.port());
  spec.duration_s = 0.5;
  LoadResult r = run_to_end(spec);
  ServerCounts s = server.counts();
  expect_consistent(r);
  EXPECT_TRUE(r.measured);
  EXPECT_GT(r.counts.responses, 100u);
  EXPECT_EQ(r.counts.responses, s.responded);
  EXPECT_EQ(r.counts.sent, s.requests);
  EXPECT_EQ(r.sent_no_response(), 0u);
  EXPECT_EQ(r.counts.errors(), 0u);
  EXPECT_EQ(r.counts.abandoned, 0u);
  EXPECT_EQ(r.counts.connections_opened, 4u);  // keep-alive: one connection each, reused
  EXPECT_EQ(s.connections, 4u);
  EXPECT_EQ(r.counts.status[200], r.counts.responses);
  EXPECT_NEAR(r.duration_s, 0.5, 0.05);
  EXPECT_EQ(r.queue.max(), 0u);  // closed loop: sent the moment it is intended
}

}  // namespace
}  // namespace wpm::loadgen::testing
