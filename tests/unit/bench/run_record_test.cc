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

// At 100 ms, with a scrape missing and one after the drain, every increase lands in exactly
// one point: the server timeline sums to the server's delta. (Samples carry planned times.)
TEST(Assemble, TheServerTimelineAtTheIntervalSumsToTheTotal) {
  RunRecord r = pool_run();
  r.load.timeline.clear();
  for (int i = 0; i < 40; ++i) r.load.timeline.push_back({0.1 * i, 25, 0, 0.001, 0});
  r.scrapes.clear();
  double requests = 500;
  for (int k = 1; k <= 40; ++k) {
    requests += 25 + (k % 3);  // uneven increases
    if (k % 7 == 0) continue;  // a failed scrape: the next one covers both
    r.scrapes.push_back({0.1 * k, requests});
  }
  requests += 5;  // the drain, seen by the settle scrape
  r.scrapes.push_back({4.07, requests});
  r.after->requests = requests;
  ClassResult c = assemble(r);
  uint64_t sum = 0;
  for (const TimelinePoint& p : c.timeline) sum += p.server_requests;
  EXPECT_EQ(sum, c.reconciliation.server_delta);
  EXPECT_EQ(sum, static_cast<uint64_t>(requests - 500));
  EXPECT_EQ(c.timeline[0].server_requests, 26u);  // the first scrape closes the first point
  EXPECT_EQ(c.timeline[6].server_requests, 0u);  // the scrape closing it (k = 7) failed…
  EXPECT_EQ(c.timeline[7].server_requests, 26u + 27);  // …so the next one covers both
  EXPECT_EQ(c.timeline[39].server_requests, 26u + 5);  // the last point takes the drain
}

TEST(Assemble, InjectionTimesAreTheMastersWhenItRecordedThem) {
  RunRecord r = pool_run();
  r.origin_s = 100;  // the measured start, CLOCK_MONOTONIC seconds
  InjectionRecord seen{{1, ControlSignal::abort, 1, "1s:abort:worker=1"}, InjectionOutcome::effect_seen};
  seen.times.signal_sent = 1.0;
  seen.times.worker_gone = seen.times.replacement_spawned = 1.02;  // as a 20 ms poll saw it
  seen.times.replacement_ready = seen.times.effect_seen = 1.12;
  seen.pid = 12;
  seen.detail = "worker 1 replaced by pid 13 (C)";
  WorkerRow next = row(1, "C", 13, WorkerState::running, 0);
  next.times = {101'004'000'000, 101'060'000'000, 0, 12, 101'003'000'000};
  seen.successor = next;
  r.discovered[1].times = next.times;
  r.discovered[1].times.first_request_ns = 101'061'000'000;  // served since the effect
  r.injections = {seen};
  InjectedEvent e = assemble(r).events.at(0);
  EXPECT_TRUE(e.times.exact);
  EXPECT_NEAR(*e.times.worker_gone, 1.003, 1e-9);
  EXPECT_NEAR(*e.times.replacement_spawned, 1.004, 1e-9);
  EXPECT_NEAR(*e.times.replacement_ready, 1.060, 1e-9);
  EXPECT_NEAR(*e.times.first_request, 1.061, 1e-9);
  EXPECT_NEAR(*e.times.effect_seen, 1.12, 1e-9);  // the poll's, always
  EXPECT_EQ(e.effect, "worker 1 replaced by pid 13 (C), ready 0.060 s after the signal (the master's times)");
  r.injections[0].successor.reset();  // no record: the polled times stay
  r.discovered[1].times = {};
  InjectedEvent polled = assemble(r).events.at(0);
  EXPECT_FALSE(polled.times.exact);
  EXPECT_NEAR(*polled.times.worker_gone, 1.02, 1e-9);
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

TEST(Assemble, ExitedWorkersKeepTheMastersLastFiguresAndYoungOnesAreNotZero) {
  RunRecord r = pool_run();
  r.started = {row(0, "B", 10, WorkerState::running, 0), row(1, "Z", 9, WorkerState::running, 0)};
  r.after->workers["B"].rss_bytes = 8192;  // sampled by the master just before reaping
  r.after->workers["B"].cpu_percent = 12.5;
  r.before->workers["OLD"] = row(0, "OLD", 0, WorkerState::exited, 7);  // gone before the run
  r.after->workers["OLD"] = r.before->workers["OLD"];
  r.after->workers["C"].cpu_seconds = 0.05;  // 0.2 s old: no percentage sampled yet
  r.after->workers["C"].uptime_seconds = 0.2;
  r.discovered[1].rss_bytes = 5000;  // the state file's sample, the scrape has none yet
  ClassResult c = assemble(r);
  std::vector<std::string> ids;
  for (const WorkerRow& w : c.workers) ids.push_back(w.worker_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"A", "C", "B"}));  // live first, then exited
  EXPECT_EQ(c.workers[2].state, WorkerState::exited);
  EXPECT_EQ(c.workers[2].index, 0u);
  EXPECT_EQ(c.workers[2].pid, 10);
  EXPECT_EQ(c.workers[2].requests, 300u);
  EXPECT_EQ(c.workers[2].rss_bytes, 8192u);
  EXPECT_DOUBLE_EQ(c.workers[2].cpu_percent, 12.5);
  EXPECT_NEAR(c.workers[1].cpu_percent, 25, 1e-9);
  EXPECT_EQ(c.workers[1].rss_bytes, 5000u);
  uint64_t served = 0;
  for (const WorkerRow& w : c.workers) served += w.requests;
  EXPECT_EQ(served, 600u + 102 + 300);  // every worker that served in the run has its row
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

TEST(Assemble, TheVerdictIsPartOfTheResult) {
  RunRecord r = pool_run();
  r.load.counts.reset = 3;  // 3 of 1003 ended requests: 0.3 %
  EXPECT_TRUE(assemble(r).verdict.passed);
  r.max_error_ratio = 0.001;
  ClassResult c = assemble(r);
  EXPECT_FALSE(c.verdict.passed);
  EXPECT_EQ(class_exit_code(c, false), kExitThreshold);
  r.load.counts.responses = 0;
  r.max_error_ratio = 1;
  r.has_pool = false;
  EXPECT_NE(assemble(r).verdict.reasons.at(0).find("no successful response"), std::string::npos);
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
