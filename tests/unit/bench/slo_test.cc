// --slo: parsing the objective, judging a run, the rate bisection and the recommendation, on
// a model pool whose capacity is known.
#include "bench/slo.h"

#include <gtest/gtest.h>

namespace wpm::bench {
namespace {

// A pool that holds any rate up to `capacity` with a 20 ms p99 and queues beyond it.
struct ModelPool {
  double capacity = 100;
  std::vector<double> asked;
  Result<ClassResult> run(double rate) {
    asked.push_back(rate);
    ClassResult c;
    c.worker_class = "model";
    c.responses = 1000;
    c.reconciliation.ok = true;
    c.achieved_rate = rate == 0 ? capacity : std::min(rate, capacity);
    c.latency.p99_s = rate <= capacity ? 0.020 : 1.5;
    return c;
  }
};

SloObjective objective(const std::string& text) {
  Result<SloObjective> o = parse_slo(text);
  EXPECT_TRUE(o.ok()) << text;
  return o ? *o : SloObjective{};
}

TEST(Slo, ParsesLatencyAndErrorTerms) {
  SloObjective o = objective("p99<50ms, errors<1%");
  EXPECT_EQ(o.percentile, 99);
  EXPECT_DOUBLE_EQ(o.max_latency_s, 0.050);
  EXPECT_DOUBLE_EQ(o.max_error_ratio, 0.01);
  EXPECT_EQ(objective("p99.9<1s").percentile, 99.9);
  EXPECT_EQ(objective("p999<250us").max_latency_s, 0.000250);
  EXPECT_DOUBLE_EQ(objective("errors<0.005").max_error_ratio, 0.005);
  EXPECT_LT(objective("p50<2ms").max_error_ratio, 0);  // no error bound
}

TEST(Slo, RejectsWhatItCannotMeasure) {
  for (const char* bad : {"", "p99", "p99<50", "p98<50ms", "errors<2", "errors<x%",
                          "p99<50ms,p90<10ms", "latency<5ms", "p99<-1ms"}) {
    Result<SloObjective> o = parse_slo(bad);
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_EQ(o.error().exit_code, kExitUsage);
    EXPECT_NE(o.error().message.find("--slo"), std::string::npos) << o.error().message;
  }
}

TEST(Slo, AFailedRunNeverMeetsTheObjective) {
  ModelPool pool;
  ClassResult r = *pool.run(50);
  EXPECT_TRUE(judge_step(r, 50, objective("p99<50ms")).met);
  r.verdict.passed = false;  // e.g. errors above --max-error-ratio, no reconciliation
  EXPECT_FALSE(judge_step(r, 50, objective("p99<50ms")).met);
  r = *pool.run(50);
  r.errors.status[500] = 30;  // 30 of 1030 ended
  EXPECT_FALSE(judge_step(r, 50, objective("errors<1%")).met);
  EXPECT_TRUE(judge_step(r, 50, objective("errors<5%")).met);
}

TEST(Slo, BisectionFindsTheCapacityWithinItsResolution) {
  std::atomic<bool> interrupted{false};
  for (double capacity : {100.0, 90.0, 37.0, 1800.0}) {
    ModelPool pool{capacity};
    Result<ClassResult> r = search_slo(objective("p99<50ms"), 5,
                                       [&](double rate) { return pool.run(rate); }, interrupted);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->slo.has_value());
    // A probe then 5 steps over [0, 2 × capacity]: within capacity / 16 below it, never above.
    EXPECT_EQ(pool.asked.size(), 6u);
    EXPECT_EQ(pool.asked.front(), 0);
    EXPECT_TRUE(r->slo->met);
    EXPECT_LE(r->slo->max_rate, capacity);
    EXPECT_GE(r->slo->max_rate, capacity - capacity / 16 - 0.1) << capacity;
    EXPECT_EQ(r->target_rate, 0);  // the model leaves it; the best run is the one returned
    EXPECT_EQ(r->achieved_rate, r->slo->max_rate);
    EXPECT_EQ(r->slo->steps.size(), 6u);
  }
}

TEST(Slo, AnObjectiveNoRateMeetsIsReportedAsSuch) {
  std::atomic<bool> interrupted{false};
  ModelPool pool;
  Result<ClassResult> r = search_slo(objective("p99<5ms"), 3,
                                     [&](double rate) { return pool.run(rate); }, interrupted);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->slo->met);
  EXPECT_EQ(r->slo->max_rate, 0);
  EXPECT_EQ(r->achieved_rate, 100);  // the probe's figures
}

TEST(Slo, RecommendsTheClassWithTheHighestRate) {
  std::vector<ClassResult> classes(3);
  const char* names[] = {"sync", "thread", "eventlet"};
  double rates[] = {96, 350, 1800};
  for (int i = 0; i < 3; ++i) {
    classes[i].worker_class = names[i];
    classes[i].slo = SloSearch{"p99<50ms", true, rates[i], {}};
  }
  Recommendation r = recommend(classes, objective("p99<50ms"), 2, 4);
  EXPECT_EQ(r.worker_class, "eventlet");
  EXPECT_EQ(r.rate, 1800);
  EXPECT_EQ(r.workers, 2u);
  EXPECT_EQ(r.threads, 0u);  // threads matter for the thread class only
  classes[2].slo->met = false;
  r = recommend(classes, objective("p99<50ms"), 2, 4);
  EXPECT_EQ(r.worker_class, "thread");
  EXPECT_EQ(r.threads, 4u);
  // Within 5 % of the pick: a tie; an answer at its closed-loop probe: the client's ceiling.
  classes[2].slo->met = true;
  classes[1].slo->max_rate = 1750;
  classes[2].slo->steps = {SloStep{0, 1820, 0.02, 0, true}};
  r = recommend(classes, objective("p99<50ms"), 2, 4);
  EXPECT_EQ(r.worker_class, "eventlet");
  EXPECT_EQ(r.ties, std::vector<std::string>{"thread"});
  EXPECT_TRUE(r.client_bound);
  classes[2].slo->steps = {SloStep{0, 4000, 0.02, 0, true}};
  EXPECT_FALSE(recommend(classes, objective("p99<50ms"), 2, 4).client_bound);
  for (ClassResult& c : classes) c.slo->met = false;
  EXPECT_TRUE(recommend(classes, objective("p99<50ms"), 2, 4).worker_class.empty());
}

}  // namespace
}  // namespace wpm::bench
