// The engine's mechanics against the test server: loops, modes, mix, phases, stop, progress,
// and exact agreement between what the client counted and what the server did.
#include <gtest/gtest.h>

#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "core/clock.h"
#include "tests/unit/loadgen/alloc_counter.h"
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

TEST(Engine, CloseModeOpensOneConnectionPerRequest) {
  DelayServer server({});
  LoadSpec spec = spec_for(server.port());
  spec.keepalive = false;
  spec.duration_s = 0.5;
  LoadResult r = run_to_end(spec);
  ServerCounts s = server.counts();
  expect_consistent(r);
  EXPECT_GT(r.counts.responses, 50u);
  EXPECT_EQ(r.counts.errors(), 0u);
  EXPECT_EQ(r.counts.responses, s.responded);
  EXPECT_EQ(r.counts.connections_opened, r.counts.attempts);
  EXPECT_EQ(s.connections, r.counts.attempts);
}

TEST(Engine, WarmupIsExcludedAndTheGateReconcilesExactly) {
  DelayServer server({});
  LoadSpec spec = spec_for(server.port());
  spec.warmup_s = 0.3;
  spec.duration_s = 0.5;
  uint64_t at_gate = 0;
  double gate_time = 0;
  spec.before_measure = [&] {
    at_gate = server.counts().responded;  // nothing is in flight here
    gate_time = ns_to_seconds(monotonic_ns());
  };
  auto run = LoadRun::start(spec);
  ASSERT_TRUE(run) << run.error().message;
  LoadResult r = (*run)->wait();
  ServerCounts s = server.counts();
  expect_consistent(r);
  EXPECT_GT(r.warmup_counts.responses, 20u);
  EXPECT_EQ(at_gate, r.warmup_counts.responses);
  EXPECT_EQ(s.responded - at_gate, r.counts.responses);
  EXPECT_NEAR((*run)->measured_start_monotonic_s(), gate_time, 0.01);
  EXPECT_NEAR(r.duration_s, 0.5, 0.05);
}

TEST(Engine, WeightedMixAndPostBody) {
  DelayServer server({});
  LoadSpec spec = spec_for(server.port());
  spec.paths = {"/a", "/b?x=1"};
  spec.weights = {3, 1};
  spec.method = "POST";
  spec.body = "hello";
  spec.threads = 1;
  spec.duration_s = 0.3;
  LoadResult r = run_to_end(spec);
  ServerCounts s = server.counts();
  expect_consistent(r);
  EXPECT_EQ(s.methods["POST"], s.requests);
  uint64_t a = s.paths["/a"], b = s.paths["/b?x=1"];
  EXPECT_EQ(a + b, s.requests);
  EXPECT_NEAR(static_cast<double>(a), 3.0 * static_cast<double>(b), 4.0);  // smooth WRR
  EXPECT_EQ(r.counts.responses, s.responded);
}

TEST(Engine, StopAbandonsOnlyWhatIsStillInFlight) {
  DelayServerOptions o;
  o.policy = [](uint64_t) { return DelayAction{DelayAction::hang}; };
  DelayServer server(o);
  LoadSpec spec = spec_for(server.port());
  spec.duration_s = 30;
  spec.stop_drain_s = 0.1;
  auto run = LoadRun::start(spec);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_FALSE((*run)->wait_for(0.3));
  uint64_t before = monotonic_ns();
  (*run)->stop();
  LoadResult r = (*run)->wait();
  EXPECT_LT(ns_to_seconds(monotonic_ns() - before), 1.0);
  expect_consistent(r);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_NEAR(r.duration_s, 0.3, 0.15);
  EXPECT_EQ(r.counts.abandoned, 4u);  // one hung request per connection
  EXPECT_EQ(r.counts.abandoned_sent, 4u);
  EXPECT_EQ(r.sent_no_response(), 4u);
  EXPECT_EQ(server.counts().hangs, 4u);
}

TEST(Engine, StopDuringWarmupMeasuresNothing) {
  DelayServer server({});
  LoadSpec spec = spec_for(server.port());
  spec.warmup_s = 20;
  bool gate_called = false;
  spec.before_measure = [&] { gate_called = true; };
  auto run = LoadRun::start(spec);
  ASSERT_TRUE(run);
  EXPECT_FALSE((*run)->wait_for(0.2));
  (*run)->stop();
  LoadResult r = (*run)->wait();
  EXPECT_FALSE(r.measured);
  EXPECT_FALSE(gate_called);
  EXPECT_EQ(r.counts.attempts, 0u);
  EXPECT_GT(r.warmup_counts.responses, 0u);
  EXPECT_EQ((*run)->measured_start_monotonic_s(), 0.0);
}

TEST(Engine, ProgressIsLiveAndEndsDone) {
  DelayServer server({});
  LoadSpec spec = spec_for(server.port());
  spec.rate = 200;
  spec.duration_s = 1.6;
  auto run = LoadRun::start(spec);
  ASSERT_TRUE(run);
  EXPECT_FALSE((*run)->progress().window);  // no second is complete yet: no rate to show
  EXPECT_FALSE((*run)->wait_for(1.3));
  Progress p = (*run)->progress();
  EXPECT_EQ(p.phase, Progress::Phase::measuring);
  EXPECT_TRUE(p.window);
  EXPECT_GT(p.completed, 150u);
  EXPECT_NEAR(p.rate, 200.0, 20.0);  // the last complete second
  EXPECT_GT(p.p99_s, 0.0);
  EXPECT_LT(p.p99_s, 0.05);
  EXPECT_EQ(p.target_rate, 200);
  LoadResult r = (*run)->wait();
  Progress done = (*run)->progress();
  EXPECT_EQ(done.phase, Progress::Phase::done);
  EXPECT_EQ(done.completed, r.counts.responses);
  EXPECT_STREQ(to_string(done.phase), "done");
}

TEST(Engine, RejectsBadSpecsAndUnresolvableHosts) {
  LoadSpec spec;
  auto no_port = LoadRun::start(spec);
  ASSERT_FALSE(no_port);
  EXPECT_EQ(no_port.error().exit_code, kExitUsage);
  spec.port = 1;
  spec.paths = {"nope"};
  EXPECT_FALSE(LoadRun::start(spec));
  spec.paths = {"/"};
  spec.weights = {0};
  EXPECT_FALSE(LoadRun::start(spec));
  spec.weights = {};
  spec.host = "no-such-host.invalid";
  auto unresolvable = LoadRun::start(spec);
  ASSERT_FALSE(unresolvable);
  EXPECT_NE(unresolvable.error().message.find("no-such-host.invalid"), std::string::npos);
}

TEST(Engine, ClassResultCarriesTheClientSide) {
  DelayServerOptions o;
  o.policy = [](uint64_t n) { return DelayAction{DelayAction::respond, 0, n % 4 == 0 ? 404 : 200}; };
  DelayServer server(o);
  LoadSpec spec = spec_for(server.port());
  spec.rate = 100;
  LoadResult r = run_to_end(spec);
  ClassResult c;
  fill_class_result(r, c);
  EXPECT_EQ(c.responses, r.counts.responses);
  EXPECT_EQ(c.requests_sent, r.counts.sent);
  EXPECT_EQ(c.target_rate, 100);
  EXPECT_DOUBLE_EQ(c.achieved_rate, r.achieved_rate());
  EXPECT_EQ(c.latency.count, r.latency.count());
  EXPECT_GT(c.latency.p99_s, 0);
  EXPECT_FALSE(c.latency.spectrum.empty());
  EXPECT_EQ(c.errors.status[404], r.counts.status[404]);
  EXPECT_EQ(c.reconciliation.client_completed, r.counts.responses);
  EXPECT_EQ(c.reconciliation.client_failed, 0u);
  EXPECT_EQ(c.timeline.size(), 1u);
}

TEST(Engine, TimelineAtTheIntervalAndLatencyPerPath) {
  DelayServer server({});
  LoadSpec spec = spec_for(server.port());
  spec.paths = {"/a", "/b", "/a"};  // a path listed twice is one entry of the report
  spec.timeline_interval_s = 0.1;
  spec.duration_s = 0.5;
  LoadResult r = run_to_end(spec);
  ClassResult c;
  fill_class_result(r, c);
  EXPECT_DOUBLE_EQ(c.interval_s, 0.1);
  ASSERT_GE(c.timeline.size(), 5u);
  uint64_t completed = 0;
  for (size_t i = 0; i < c.timeline.size(); ++i) {
    EXPECT_NEAR(c.timeline[i].t_s, 0.1 * static_cast<double>(i), 1e-9);
    completed += c.timeline[i].completed;
  }
  EXPECT_EQ(completed, r.counts.responses);  // every response in exactly one interval
  EXPECT_GT(c.timeline[2].completed, 0u);
  ASSERT_EQ(c.paths.size(), 2u);
  EXPECT_EQ(c.paths[0].path, "/a");
  EXPECT_EQ(c.paths[1].path, "/b");
  EXPECT_EQ(c.paths[0].latency.count + c.paths[1].latency.count, c.latency.count);
  EXPECT_NEAR(static_cast<double>(c.paths[0].latency.count),
              2.0 * static_cast<double>(c.paths[1].latency.count), 8.0);
  EXPECT_GT(c.paths[1].latency.p99_s, 0);
  EXPECT_TRUE(c.paths[0].latency.spectrum.empty());
}

TEST(Engine, ServerClosingConnectionsIsNotAnError) {
  DelayServerOptions o;  // every 3rd response says `Connection: close`; idle ones time out
  o.policy = [](uint64_t n) { return DelayAction{DelayAction::respond, 0, 200, n % 3 == 0}; };
  o.idle_close_ns = 30'000'000;
  DelayServer server(o);
  LoadSpec spec = spec_for(server.port());
  spec.rate = 40;  // 4 connections: each idles ~100 ms between requests, past the 30 ms timeout
  spec.duration_s = 0.8;
  LoadResult r = run_to_end(spec);
  ServerCounts s = server.counts();
  expect_consistent(r);
  EXPECT_EQ(r.counts.errors(), 0u);
  EXPECT_EQ(r.counts.responses, s.responded);
  EXPECT_GT(s.idle_closes, 5u);
  // Seen by the client while idle, except those that fired after the client had finished.
  EXPECT_LE(r.counts.idle_closed, s.idle_closes);
  EXPECT_GE(r.counts.idle_closed + spec.connections, s.idle_closes);
  EXPECT_EQ(r.counts.connections_opened, s.connections);
}

TEST(Engine, AllocationHookSeesLoadgenThreads) {  // the check below can fail
  uint64_t before = alloc_counter::loadgen_thread_count();
  std::thread t([] {
    pthread_setname_np(pthread_self(), "wpm-loadgen-x");
    auto* leak_free = new std::string(100, 'x');
    delete leak_free;
  });
  t.join();
  EXPECT_EQ(alloc_counter::loadgen_thread_count(), before + 2);  // the string and its buffer
}

TEST(Engine, ClientThreadsDoNotAllocate) {
  DelayServer server({});
  uint64_t before = alloc_counter::loadgen_thread_count();
  for (bool keepalive : {true, false}) {
    for (double rate : {0.0, 300.0}) {
      LoadSpec spec = spec_for(server.port());
      spec.keepalive = keepalive;
      spec.rate = rate;
      spec.duration_s = 0.3;
      spec.warmup_s = 0.1;
      LoadResult r = run_to_end(spec);
      EXPECT_GT(r.counts.responses, 20u);
    }
  }
  EXPECT_EQ(alloc_counter::loadgen_thread_count(), before);  // no malloc on the request path
}


TEST(Engine, ConnectionsBeyondTheFileLimitAreAUsageError) {
  pid_t pid = fork();  // the lowered hard limit must not outlive this test
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rlimit low{128, 128};
    if (setrlimit(RLIMIT_NOFILE, &low) != 0) _exit(10);
    LoadSpec spec;
    spec.port = 9;
    spec.connections = 1000;
    auto run = LoadRun::start(spec);
    if (run) _exit(11);
    if (run.error().exit_code != kExitUsage) _exit(12);
    if (run.error().message.find("open-file limit") == std::string::npos) _exit(13);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace wpm::loadgen::testing
