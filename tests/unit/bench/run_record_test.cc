// Result assembly and the reconciliation verdict (the exit-3 decision), from typed records.
#include "bench/run_record.h"

#include <gtest/gtest.h>

namespace wpm::bench {
namespace {

PoolMetrics metrics(double requests, std::map<std::string, double> restarts) {
  PoolMetrics m;
  m.requests = requests;
  m.master_restarts = std::move(restarts);
  return m;
}

WorkerRow row(uint32_t index, std::string id, int32_t pid, WorkerState state, uint64_t requests) {
  return {index, std::move(id), pid, state, requests};
}

// A 4 s run: 1000 responses, 3 requests sent without an answer, one abort injected.
RunRecord pool_run() {
  RunRecord r;
  r.label = "sync";
  r.target_url = "http://127.0.0.1:8000";
  r.metrics_url = "http://127.0.0.1:9095/metrics";
  r.has_pool = true;
  r.aborts_scheduled = true;
  r.load.measured = true;
  r.load.duration_s = 4;
  r.load.counts.sent = 1003;
  r.load.counts.responses = 1000;
  for (int s = 0; s < 4; ++s) r.load.timeline.push_back({static_cast<double>(s), 250, 0, 0.001, 0});
  r.before = metrics(500, {{"quit", 1}});
  r.after = metrics(1502, {{"quit", 2}, {"abort", 1}});
  r.after->text = "final scrape";
  r.after->workers["A"] = row(0, "A", 0, WorkerState::running, 600);
  r.after->workers["A"].rss_bytes = 4096;
  r.after->workers["B"] = row(0, "B", 0, WorkerState::exited, 300);
  r.after->workers["C"] = row(0, "C", 0, WorkerState::running, 102);
  r.scrapes = {{1, 750}, {2, 1000}, {3, 1250}, {4.2, 1502}};  // the last: after the drain
  r.discovered = {row(0, "A", 11, WorkerState::running, 1), row(1, "C", 13, WorkerState::running, 2)};
  return r;
}

TEST(Reconcile, ExactWithoutAFailure) {
  Reconciliation ok = reconcile(1000, 0, 1000, false);
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.verdict, "reconciled: client 1000 responses, server 1000 requests");
  Reconciliation off = reconcile(1000, 0, 1001, false);
  EXPECT_FALSE(off.ok);
  EXPECT_EQ(off.verdict,
            "MISMATCH: client 1000 responses, server 1001 requests, 1 counted without a "
            "response to the client (> 0 requests the client saw fail)");
}

// client_completed <= server <= client_completed + client_failed, at both ends exactly.
TEST(Reconcile, TheServerCountsBetweenTheClientsResponsesAndItsFailures) {
  for (bool aborts : {false, true}) {
    EXPECT_TRUE(reconcile(1000, 3, 1000, aborts).ok);
    EXPECT_TRUE(reconcile(1000, 3, 1002, aborts).ok);
    EXPECT_TRUE(reconcile(1000, 3, 1003, aborts).ok);
    Reconciliation above = reconcile(1000, 3, 1004, aborts);
    EXPECT_FALSE(above.ok);
    EXPECT_NE(above.verdict.find("4 counted without a response to the client (> 3"),
              std::string::npos)
        << above.verdict;
    // Fewer than the client received is never explained by failures: counted at commit.
    Reconciliation below = reconcile(1000, 3, 999, aborts);
    EXPECT_FALSE(below.ok);
    EXPECT_NE(below.verdict.find("the server counted 1 fewer than the client received"),
              std::string::npos)
        << below.verdict;
  }
  EXPECT_TRUE(reconcile(0, 0, 0, false).ok);
  EXPECT_FALSE(reconcile(5, 0, 0, true).ok);
  Reconciliation with_aborts = reconcile(1000, 3, 1003, true);
  EXPECT_NE(with_aborts.verdict.find("aborts injected"), std::string::npos) << with_aborts.verdict;
}

TEST(Reconcile, WhichSchedulesAbort) {
  auto spec = [](ControlSignal s) { return InjectSpec{1, s, 0, ""}; };
  EXPECT_FALSE(schedule_aborts({spec(ControlSignal::quit), spec(ControlSignal::term)}));
  EXPECT_TRUE(schedule_aborts({spec(ControlSignal::quit), spec(ControlSignal::abort)}));
  EXPECT_TRUE(schedule_aborts({spec(ControlSignal::kill)}));
  EXPECT_TRUE(schedule_aborts({spec(ControlSignal::int_)}));
}

TEST(Assemble, ServerSideFromTheScrapes) {
  ClassResult c = assemble(pool_run());
  EXPECT_EQ(c.worker_class, "sync");
  EXPECT_EQ(c.responses, 1000u);
  EXPECT_TRUE(c.reconciliation.ok) << c.reconciliation.verdict;
  EXPECT_EQ(c.reconciliation.server_delta, 1002u);
  EXPECT_EQ(c.reconciliation.client_failed, 3u);
  EXPECT_TRUE(c.reconciliation.aborts_injected);
  EXPECT_EQ(c.master_restarts, (std::map<std::string, uint64_t>{{"quit", 1}, {"abort", 1}}));
  EXPECT_EQ(c.final_scrape, "final scrape");
  std::vector<uint64_t> server;
  for (const TimelinePoint& p : c.timeline) server.push_back(p.server_requests);
  EXPECT_EQ(server, (std::vector<uint64_t>{250, 250, 250, 252}));  // sums to the delta
}

TEST(Assemble, WorkersAreTheLiveOnesWithTheScrapesFigures) {
  ClassResult c = assemble(pool_run());
  ASSERT_EQ(c.workers.size(), 2u);
  EXPECT_EQ(c.workers[0].worker_id, "A");
  EXPECT_EQ(c.workers[0].index, 0u);
  EXPECT_EQ(c.workers[0].pid, 11);
  EXPECT_EQ(c.workers[0].requests, 600u);  // the scrape's, not the state file's 1
  EXPECT_EQ(c.workers[0].rss_bytes, 4096u);
  EXPECT_EQ(c.workers[1].worker_id, "C");
  EXPECT_EQ(c.workers[1].index, 1u);
  EXPECT_EQ(c.workers[1].requests, 102u);
}

TEST(Assemble, InjectionsBecomeEventsFromTheirOutcome) {
  RunRecord r = pool_run();
  InjectionRecord seen{{1, ControlSignal::abort, 1, "1s:abort:worker=1"}, InjectionOutcome::effect_seen};
  seen.times.signal_sent = 1.001;
  seen.times.effect_seen = 1.121;
  seen.pid = 12;
  seen.detail = "worker 1 replaced by pid 13 (C)";
  InjectionRecord timeout{{2, ControlSignal::quit, std::nullopt, ""}, InjectionOutcome::no_effect_timeout};
  timeout.times.signal_sent = 2;
  InjectionRecord refused{{3, ControlSignal::quit, 9, ""}, InjectionOutcome::not_delivered};
  refused.detail = "pool 'x' has no live worker '9'";
  InjectionRecord late{{3.9, ControlSignal::quit, 0, ""}, InjectionOutcome::not_fired};
  r.injections = {seen, timeout, refused, late};
  std::vector<InjectedEvent> e = assemble(r).events;
  ASSERT_EQ(e.size(), 4u);
  EXPECT_TRUE(e[0].delivered);
  EXPECT_EQ(e[0].effect, "worker 1 replaced by pid 13 (C) in 0.120 s");
  EXPECT_EQ(e[0].target, "worker=1");
  EXPECT_EQ(e[0].signal, "abort");
  EXPECT_EQ(e[0].pid, 12);
  EXPECT_DOUBLE_EQ(e[0].fired_s, 1.001);
  EXPECT_EQ(e[0].outcome, InjectionOutcome::effect_seen);
  EXPECT_TRUE(e[1].delivered);
  EXPECT_EQ(e[1].target, "master");
  EXPECT_NE(e[1].effect.find("timed out"), std::string::npos);
  EXPECT_FALSE(e[2].delivered);
  EXPECT_EQ(e[2].effect, refused.detail);
  EXPECT_FALSE(e[3].delivered);
  EXPECT_EQ(e[3].effect, "not fired (the run ended first)");
  EXPECT_EQ(e[3].outcome, InjectionOutcome::not_fired);
}

TEST(Assemble, NoScrapeIsAMismatchThatFailsTheRun) {
  RunRecord r = pool_run();
  r.after.reset();
  ClassResult c = assemble(r);
  EXPECT_FALSE(c.reconciliation.ok);
  EXPECT_EQ(c.reconciliation.verdict, "MISMATCH: could not scrape http://127.0.0.1:9095/metrics");
  EXPECT_EQ(class_exit_code(c, false), kExitThreshold);
  EXPECT_EQ(class_exit_code(c, true), kExitOk);  // an interrupted run ends with exit 1 anyway
}

TEST(Assemble, AMismatchFailsTheRunAMatchDoesNot) {
  RunRecord r = pool_run();  // 1000 responses, 3 sent without one
  r.after->requests = 1504;   // server delta 1004: more than 1000 + 3
  EXPECT_EQ(class_exit_code(assemble(r), false), kExitThreshold);
  r.after->requests = 1499;   // 999: fewer than the client received
  EXPECT_EQ(class_exit_code(assemble(r), false), kExitThreshold);
  r.after->requests = 1503;
  EXPECT_EQ(class_exit_code(assemble(r), false), kExitOk);
}

TEST(Assemble, ATargetRunHasNoServerSide) {
  RunRecord r = pool_run();
  r.label = "target";
  r.has_pool = false;
  ClassResult c = assemble(r);
  EXPECT_TRUE(c.reconciliation.ok);
  EXPECT_EQ(c.reconciliation.verdict, "not applicable: --target has no server-side counts");
  EXPECT_EQ(c.reconciliation.client_completed, 1000u);
  EXPECT_TRUE(c.workers.empty());
  EXPECT_TRUE(c.master_restarts.empty());
  EXPECT_TRUE(c.final_scrape.empty());
  for (const TimelinePoint& p : c.timeline) EXPECT_EQ(p.server_requests, 0u);
}

}  // namespace
}  // namespace wpm::bench
