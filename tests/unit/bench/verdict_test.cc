// The verdict of a class run (the exit-3 decision) and the options checked before a run starts.
#include "bench/verdict.h"

#include <gtest/gtest.h>

namespace wpm::bench {
namespace {

ClassResult healthy() {
  ClassResult c;
  c.worker_class = "sync";
  c.responses = c.requests_sent = 1000;
  c.reconciliation.ok = true;
  return c;
}

bool has_reason(const Verdict& v, const std::string& text) {
  for (const std::string& r : v.reasons)
    if (r.find(text) != std::string::npos) return true;
  return false;
}

TEST(Verdict, AHealthyRunPasses) {
  Verdict v = judge_class(healthy(), 0.01);
  EXPECT_TRUE(v.passed);
  EXPECT_TRUE(v.reasons.empty());
}

TEST(Verdict, NoSuccessfulResponseFails) {
  ClassResult refused = healthy();
  refused.responses = refused.requests_sent = 0;
  refused.errors.connect = 500;
  Verdict v = judge_class(refused, 1.0);  // whatever the ratio allows
  EXPECT_FALSE(v.passed);
  EXPECT_TRUE(has_reason(v, "no successful response (0 responses, 500 errors: connect 500)"));
  ClassResult all_500 = healthy();
  all_500.errors.status[500] = 1000;  // responses, but none successful
  EXPECT_TRUE(has_reason(judge_class(all_500, 1.0), "no successful response"));
}

TEST(Verdict, TheErrorRatioIsLimited) {
  ClassResult c = healthy();
  c.errors.reset = 10;  // 10 of 1010 ended requests: 0.99 %
  EXPECT_TRUE(judge_class(c, 0.01).passed);
  c.errors.reset = 11;  // 1.09 %
  Verdict v = judge_class(c, 0.01);
  EXPECT_FALSE(v.passed);
  EXPECT_TRUE(has_reason(v, "error ratio 1.09% (11 errors) exceeds --max-error-ratio 1.00%"));
}

TEST(Verdict, AnInjectionNotDeliveredOrNotFiredFails) {
  ClassResult c = healthy();
  InjectedEvent refused;
  refused.at_s = 1.5, refused.signal = "abort", refused.target = "worker=9";
  refused.outcome = InjectionOutcome::not_delivered;
  refused.effect = "pool 'x' has no live worker '9'";
  InjectedEvent seen = refused;
  seen.outcome = InjectionOutcome::effect_seen;
  c.events = {seen, refused};
  Verdict v = judge_class(c, 0.01);
  EXPECT_FALSE(v.passed);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0], "injection 1.5s:abort:worker=9 not delivered: pool 'x' has no live worker '9'");
  c.events[1].outcome = InjectionOutcome::not_fired;
  EXPECT_TRUE(has_reason(judge_class(c, 0.01), "not fired"));
  c.events[1].outcome = InjectionOutcome::no_effect_timeout;  // delivered: the effect is a finding
  EXPECT_TRUE(judge_class(c, 0.01).passed);
}

TEST(Verdict, AFailedReconciliationFails) {
  ClassResult c = healthy();
  c.reconciliation.ok = false;
  c.reconciliation.verdict = "MISMATCH: client 1000 responses, server 998 requests (difference 2)";
  EXPECT_TRUE(has_reason(judge_class(c, 0.01), "reconciliation failed: MISMATCH: client 1000"));
}

TEST(Verdict, TheRunCollectsEveryClassAndWhatCouldNotRun) {
  ClassResult ok = healthy(), bad = healthy();
  bad.worker_class = "thread";
  bad.verdict = {false, {"no successful response"}};
  Verdict v = judge_run({ok, bad}, {"gevent: not measured: pool did not start"});
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.reasons, (std::vector<std::string>{"thread: no successful response",
                                                 "gevent: not measured: pool did not start"}));
  EXPECT_TRUE(judge_run({ok}, {}).passed);
}

TEST(Options, InjectWithTargetIsAUsageErrorBeforeAnythingStarts) {
  BenchOptions o;
  o.target = "http://127.0.0.1:1/";
  o.injects.push_back({1, ControlSignal::abort, 0, "1s:abort:worker=0"});
  Status s = validate(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().exit_code, kExitUsage);
  EXPECT_NE(s.error().message.find("--inject"), std::string::npos);
  o.injects.clear();
  EXPECT_TRUE(validate(o).ok());
  o.max_error_ratio = 1.5;
  EXPECT_NE(validate(o).error().message.find("--max-error-ratio"), std::string::npos);
  o.max_error_ratio = 0.01;
  o.interval_s = 0.001;
  EXPECT_NE(validate(o).error().message.find("--interval"), std::string::npos);
  o.interval_s = 0.1;
  o.fail_on = "p99 is big";
  EXPECT_EQ(validate(o).error().exit_code, kExitUsage);
}

}  // namespace
}  // namespace wpm::bench
