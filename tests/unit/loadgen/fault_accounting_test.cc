// Fault accounting: every kind of failure the server produces is counted exactly once, in the
// right bucket, and the client's totals reconcile with what the server did.
#include <gtest/gtest.h>

#include "tests/unit/loadgen/engine_helpers.h"

namespace wpm::loadgen::testing {
namespace {

DelayServerOptions every(uint64_t period, uint64_t phase, DelayAction action) {
  DelayServerOptions o;
  o.policy = [=](uint64_t n) { return n % period == phase ? action : DelayAction{}; };
  return o;
}

TEST(FaultAccounting, ResetsAreCountedExactly) {
  DelayServer server(every(10, 9, DelayAction{DelayAction::reset}));
  LoadResult r = run_to_end(spec_for(server.port()));
  ServerCounts s = server.counts();
  expect_consistent(r);
  ASSERT_GT(s.resets, 10u);
  EXPECT_EQ(r.counts.reset, s.resets);
  EXPECT_EQ(r.counts.responses, s.responded);
  EXPECT_EQ(r.counts.sent, s.requests);
  EXPECT_EQ(r.sent_no_response(), s.resets);
  EXPECT_EQ(r.counts.failed(), r.counts.reset);
  EXPECT_EQ(r.counts.connections_opened, s.connections);  // each reset costs a reconnect
  EXPECT_EQ(r.errors().reset, s.resets);
}

TEST(FaultAccounting, CloseWithoutResponseIsAReset) {
  DelayServer server(every(8, 1, DelayAction{DelayAction::close}));
  LoadResult r = run_to_end(spec_for(server.port()));
  ServerCounts s = server.counts();
  expect_consistent(r);
  ASSERT_GT(s.closes, 10u);
  EXPECT_EQ(r.counts.reset, s.closes);
  EXPECT_EQ(r.counts.responses, s.responded);
}

TEST(FaultAccounting, RefusedConnectionsAreCountedExactly) {
  RefusingPort refusing;
  LoadSpec spec = spec_for(refusing.port);
  spec.rate = 200;  // open loop: exactly one attempt per scheduled arrival
  spec.duration_s = 0.5;
  LoadResult r = run_to_end(spec);
  expect_consistent(r);
  EXPECT_NEAR(static_cast<double>(r.counts.attempts), 100.0, 2.0);
  EXPECT_EQ(r.counts.not_sent, 0u);
  EXPECT_EQ(r.counts.connect, r.counts.attempts);
  EXPECT_EQ(r.counts.connect_timeouts, 0u);
  EXPECT_EQ(r.counts.sent, 0u);
  EXPECT_EQ(r.counts.responses, 0u);
  EXPECT_EQ(r.latency.count(), 0u);  // nothing was sent: no latency to report
  EXPECT_EQ(r.errors().connect, r.counts.attempts);
}

TEST(FaultAccounting, ClosedLoopAgainstARefusingPortCountsEveryAttempt) {
  RefusingPort refusing;
  LoadSpec spec = spec_for(refusing.port);
  spec.duration_s = 0.2;
  LoadResult r = run_to_end(spec);
  expect_consistent(r);
  EXPECT_GT(r.counts.attempts, 10u);
  EXPECT_EQ(r.counts.connect, r.counts.attempts);
}

TEST(FaultAccounting, ServerErrorsAreCountedByStatus) {
  DelayServer server(every(5, 0, DelayAction{DelayAction::respond, 0, 500}));
  LoadResult r = run_to_end(spec_for(server.port()));
  ServerCounts s = server.counts();
  expect_consistent(r);
  ASSERT_GT(s.status[500], 10u);
  EXPECT_EQ(r.counts.status[500], s.status[500]);
  EXPECT_EQ(r.counts.status[200], s.status[200]);
  EXPECT_EQ(r.counts.responses, s.responded);  // a 500 is still a completed response
  EXPECT_EQ(r.counts.failed(), 0u);
  ErrorCounts e = r.errors();
  ASSERT_EQ(e.status.size(), 1u);
  EXPECT_EQ(e.status[500], s.status[500]);
  EXPECT_EQ(r.counts.errors(), s.status[500]);
}

TEST(FaultAccounting, TimeoutsAreCountedAndStayInTheTail) {
  DelayServer server(every(10, 0, DelayAction{DelayAction::hang}));
  LoadSpec spec = spec_for(server.port());
  spec.request_timeout_s = 0.2;
  LoadResult r = run_to_end(spec);
  ServerCounts s = server.counts();
  expect_consistent(r);
  ASSERT_GT(s.hangs, 5u);
  EXPECT_EQ(r.counts.timeout, s.hangs);  // including those still hanging at the window's end
  EXPECT_EQ(r.counts.responses, s.responded);
  EXPECT_EQ(r.counts.abandoned, 0u);  // the drain waited for them to time out
  EXPECT_EQ(r.sent_no_response(), s.hangs);
  EXPECT_GE(ms(r.latency.max()), 200.0);
  // Every timed-out request sits at or above the timeout in the latency histogram (it is
  // recorded once: expect_consistent checks latency count == responses + timeouts).
  double share = static_cast<double>(r.counts.timeout) / static_cast<double>(r.latency.count());
  EXPECT_GE(ms(r.latency.percentile(100.0 * (1.0 - share) + 0.001)), 200.0 * 0.999);  // histogram precision
}

TEST(FaultAccounting, MalformedResponsesAreParseErrors) {
  DelayServer server(every(7, 3, DelayAction{DelayAction::garbage}));
  LoadResult r = run_to_end(spec_for(server.port()));
  ServerCounts s = server.counts();
  expect_consistent(r);
  ASSERT_GT(s.garbage, 5u);
  EXPECT_EQ(r.counts.parse, s.garbage);
  EXPECT_EQ(r.counts.responses, s.responded);
}

TEST(FaultAccounting, MixedFaultsReconcileWithTheServer) {
  DelayServerOptions o;
  o.policy = [](uint64_t n) {
    switch (n % 20) {
      case 3: return DelayAction{DelayAction::reset};
      case 7: return DelayAction{DelayAction::respond, 0, 503};
      case 11: return DelayAction{DelayAction::hang};
      case 13: return DelayAction{DelayAction::garbage};
      case 17: return DelayAction{DelayAction::close};
      default: return DelayAction{DelayAction::respond, 1'000'000, 200};
    }
  };
  DelayServer server(o);
  LoadSpec spec = spec_for(server.port());
  spec.request_timeout_s = 0.1;
  spec.rate = 400;
  spec.connections = 16;
  LoadResult r = run_to_end(spec);
  ServerCounts s = server.counts();
  expect_consistent(r);
  EXPECT_EQ(r.counts.sent, s.requests);
  EXPECT_EQ(r.counts.responses, s.responded);
  EXPECT_EQ(r.counts.reset, s.resets + s.closes);
  EXPECT_EQ(r.counts.timeout, s.hangs);
  EXPECT_EQ(r.counts.parse, s.garbage);
  EXPECT_EQ(r.counts.status[503], s.status[503]);
  EXPECT_EQ(r.sent_no_response(), s.resets + s.closes + s.hangs + s.garbage);
}


TEST(FaultAccounting, ConnectTimeoutsAreCounted) {
  BlackholePort blackhole;
  LoadSpec spec = spec_for(blackhole.port);
  spec.rate = 40;
  spec.duration_s = 0.5;
  spec.connect_timeout_s = 0.15;
  spec.request_timeout_s = 0.3;
  LoadResult r = run_to_end(spec);
  expect_consistent(r);
  EXPECT_GT(r.counts.connect_timeouts, 3u);
  EXPECT_EQ(r.counts.connect, r.counts.connect_timeouts);  // nothing was refused
  // The few connections the kernel queued are never served: they end as request timeouts.
  EXPECT_EQ(r.counts.responses, 0u);
  EXPECT_EQ(r.counts.timeout, r.counts.sent);
  EXPECT_EQ(r.counts.abandoned, 0u);
}

}  // namespace
}  // namespace wpm::loadgen::testing
