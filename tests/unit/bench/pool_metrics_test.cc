// Totals from a scrape: the exposition core renders, read back into the typed struct.
#include "bench/pool_metrics.h"

#include <gtest/gtest.h>

#include "core/exposition.h"
#include "core/metric_table.h"
#include "core/snapshot.h"

namespace wpm::bench {
namespace {

WorkerSnapshot worker(uint32_t index, uint64_t age, uint64_t requests, WorkerState state) {
  WorkerSnapshot w;
  w.worker_id = worker_id(age, 1700000000);
  w.index = index;
  w.age = age;
  w.pid = static_cast<int32_t>(4000 + age);
  w.state = state;
  w.requests = requests;
  w.rss_bytes = 9 * 1048576ull + age;
  w.cpu_percent = 12.5 * static_cast<double>(age);
  w.cpu_seconds = 0.25 * static_cast<double>(age);
  w.uptime_seconds = 3.5;
  return w;
}

PoolSnapshot pool() {
  PoolSnapshot p;
  WorkerSnapshot retired = worker(0, 0, 40, WorkerState::exited);  // recycled slots' archive
  retired.retired = true;
  retired.worker_id = std::string(kRetiredWorkerId);
  p.workers.push_back(retired);
  p.workers.push_back(worker(0, 3, 1000, WorkerState::running));
  p.workers.push_back(worker(1, 2, 2000, WorkerState::quitting));
  WorkerSnapshot gone = worker(0, 1, 500, WorkerState::exited);  // aborted, retained
  gone.exited = true;
  gone.exit_reason = ExitReason::abort;
  p.workers.push_back(gone);
  p.master_restarts[static_cast<size_t>(ExitReason::abort)] = 1;
  p.master_restarts[static_cast<size_t>(ExitReason::max_requests)] = 4;
  return p;
}

TEST(PoolMetrics, TotalsCountEveryWorkerExitedAndRetiredIncluded) {
  std::string text = render_prometheus(pool(), kDefaultPrefix);
  PoolMetrics m = parse_pool_metrics(text, kDefaultPrefix);
  EXPECT_DOUBLE_EQ(m.requests, 40 + 1000 + 2000 + 500);
  EXPECT_DOUBLE_EQ(m.master_restarts.at("abort"), 1);
  EXPECT_DOUBLE_EQ(m.master_restarts.at("max_requests"), 4);
  EXPECT_DOUBLE_EQ(m.master_restarts.at("quit"), 0);
  EXPECT_EQ(m.text, text);
}

TEST(PoolMetrics, PerWorkerFiguresAndStateComeFromTheScrape) {
  PoolMetrics m = parse_pool_metrics(render_prometheus(pool(), kDefaultPrefix), kDefaultPrefix);
  const std::string live = worker_id(3, 1700000000), draining = worker_id(2, 1700000000);
  ASSERT_TRUE(m.workers.count(live));
  const WorkerRow& w = m.workers.at(live);
  EXPECT_EQ(w.worker_id, live);
  EXPECT_EQ(w.state, WorkerState::running);
  EXPECT_EQ(w.requests, 1000u);
  EXPECT_EQ(w.rss_bytes, 9 * 1048576ull + 3);
  EXPECT_DOUBLE_EQ(w.cpu_percent, 37.5);
  EXPECT_DOUBLE_EQ(w.cpu_seconds, 0.75);
  EXPECT_DOUBLE_EQ(w.uptime_seconds, 3.5);
  EXPECT_EQ(m.workers.at(draining).state, WorkerState::quitting);
  EXPECT_EQ(m.workers.at(worker_id(1, 1700000000)).state, WorkerState::exited);
  EXPECT_EQ(m.workers.at(worker_id(1, 1700000000)).requests, 500u);
}

TEST(PoolMetrics, OnlyTheGivenPrefixCounts) {
  std::string text = render_prometheus(pool(), "other");
  PoolMetrics m = parse_pool_metrics(text, kDefaultPrefix);
  EXPECT_DOUBLE_EQ(m.requests, 0);
  EXPECT_TRUE(m.workers.empty());
  EXPECT_DOUBLE_EQ(parse_pool_metrics(text, "other").requests, 3540);
}

TEST(PoolMetrics, AFlawedScrapeStillHasItsCounts) {
  // No TYPE line and no final newline: the lenient parser notes the problems and reads on.
  PoolMetrics m = parse_pool_metrics("gunicorn_worker_requests_total{worker_id=\"w\"} 7", kDefaultPrefix);
  EXPECT_DOUBLE_EQ(m.requests, 7);
  EXPECT_EQ(m.workers.at("w").requests, 7u);
}

}  // namespace
}  // namespace wpm::bench
