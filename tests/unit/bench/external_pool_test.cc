// Attached pools without a pool: stable worker indices from successive /proc looks, the
// requests series of an exporter's exposition, the real children of this process in /proc,
// and the checks made before attaching to a pid.
#include "bench/external_pool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/proc_pool.h"

namespace wpm::bench {
namespace {

using Entry = WorkerIndex::Entry;

const Entry& at(const WorkerIndex& w, int32_t pid) { return w.live().at(pid); }

TEST(WorkerIndex, FirstLookNumbersByAgeAndAReplacementTakesTheFreedIndex) {
  WorkerIndex w;
  w.update({{101, 5}, {100, 7}}, 1000);  // oldest first, as live_children() returns them
  EXPECT_EQ(at(w, 101).index, 0u);
  EXPECT_EQ(at(w, 100).index, 1u);
  w.update({{100, 7}}, 2000);  // worker 0 died
  EXPECT_EQ(w.live().size(), 1u);
  w.update({{100, 7}, {102, 9}}, 3000);
  const Entry& next = at(w, 102);
  EXPECT_EQ(next.index, 0u);
  EXPECT_EQ(next.replaced_pid, 101);
  EXPECT_EQ(next.replaced_death_ns, 2000u);  // the first look that missed it
  EXPECT_EQ(next.seen_ns, 3000u);
  EXPECT_EQ(at(w, 100).index, 1u);  // the other keeps its index
  EXPECT_EQ(at(w, 100).replaced_pid, 0);
}

TEST(WorkerIndex, AReusedPidIsANewWorker) {
  WorkerIndex w;
  w.update({{100, 5}, {101, 6}}, 1000);
  w.update({{101, 6}, {100, 8}}, 2000);  // pid 100 died and was reused in one interval
  EXPECT_EQ(at(w, 100).process.start_time, 8u);
  EXPECT_EQ(at(w, 100).replaced_pid, 100);
  EXPECT_EQ(at(w, 100).index, 0u);
}

TEST(WorkerIndex, FirstRequestIsTheFirstLookThatSawItServe) {
  WorkerIndex w;
  w.update({{100, 5}, {101, 6}}, 1000);
  w.note_served({101, 999}, 1500);
  w.note_served({100, 101}, 1600);
  EXPECT_EQ(at(w, 100).first_request_ns, 1600u);
  EXPECT_EQ(at(w, 101).first_request_ns, 1500u);
}

TEST(RequestSeries, SumsTheMetricAndKeysWorkersByTheirLabel) {
  const std::string text =
      "# HELP gunicorn_worker_requests_total Requests\n"
      "# TYPE gunicorn_worker_requests_total counter\n"
      "gunicorn_worker_requests_total{pid=\"4001\"} 10.0\n"
      "gunicorn_worker_requests_total{pid=\"4002\"} 32.0\n"
      "gunicorn_worker_requests_total{method=\"GET\",pid=\"4002\"} 1.0\n"
      "# TYPE other_total counter\n"
      "other_total{pid=\"4001\"} 500.0\n";
  RequestSeries s = parse_request_series(text, "gunicorn_worker_requests_total");
  EXPECT_DOUBLE_EQ(s.total, 43);
  ASSERT_EQ(s.by_worker.size(), 2u);
  EXPECT_DOUBLE_EQ(s.by_worker.at("4001"), 10);
  EXPECT_DOUBLE_EQ(s.by_worker.at("4002"), 33);
  EXPECT_DOUBLE_EQ(parse_request_series(text, "app_requests_total").total, 0);
}

TEST(RequestSeries, PrefixOfAWpmPoolsMetric) {
  EXPECT_EQ(prefix_of_requests_metric("gunicorn_worker_requests_total"), "gunicorn");
  EXPECT_EQ(prefix_of_requests_metric("app_worker_requests_total"), "app");
  EXPECT_EQ(prefix_of_requests_metric("_worker_requests_total"), "");
  EXPECT_EQ(prefix_of_requests_metric("http_requests_total"), "");
}

// Real processes: two children of this test, found by ppid, oldest first.
TEST(ProcPool, FindsTheLiveChildrenOfAMaster) {
  EXPECT_NE(master_problem(getpid()), "");  // wpm itself
  EXPECT_NE(master_problem(1 << 22), "");   // no such process
  pid_t kids[2];
  for (pid_t& k : kids) {
    k = fork();
    if (k == 0) {
      pause();
      _exit(0);
    }
  }
  std::vector<ProcProcess> found = live_children(getpid());
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].pid, kids[0]);
  EXPECT_EQ(found[1].pid, kids[1]);
  EXPECT_LE(found[0].start_time, found[1].start_time);
  kill(kids[0], SIGKILL);
  waitpid(kids[0], nullptr, 0);
  found = live_children(getpid());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].pid, kids[1]);
  kill(kids[1], SIGKILL);
  waitpid(kids[1], nullptr, 0);
  EXPECT_TRUE(live_children(getpid()).empty());
}

// Each rule of validate() for attached pools, as the usage error (exit 2) it gives.
std::string usage_error(const BenchOptions& o) {
  Status s = validate(o);
  if (s) return "";
  EXPECT_EQ(s.error().exit_code, kExitUsage);
  return s.error().message;
}

TEST(AttachOptions, AreCheckedBeforeAnythingStarts) {
  BenchOptions o;
  o.target = "http://127.0.0.1:1/";
  o.injects = {{1, ControlSignal::quit, 0, "1s:quit:worker=0"}};
  EXPECT_NE(usage_error(o).find("--inject needs a pool"), std::string::npos);
  o.pool_pid = getppid();
  o.pool_name = "x";
  EXPECT_EQ(usage_error(o), "--pool-pid, --pool-name: give one of them");
  o.pool_name.clear();
  EXPECT_NE(usage_error(o).find("--pool-pid needs --pool-metrics"), std::string::npos);
  o.pool_metrics = "http://127.0.0.1:1/metrics";
  o.pool_pid = getpid();
  EXPECT_NE(usage_error(o).find("wpm itself"), std::string::npos);
  o.pool_pid = 0;
  EXPECT_EQ(usage_error(o), "--pool-metrics needs --pool-pid or --pool-name");
  o.pool_metrics.clear();
  o.pool_name = "no-such-pool-here";
  o.requests_metric = "http_requests_total";
  EXPECT_NE(usage_error(o).find("PREFIX_worker_requests_total"), std::string::npos);
}

}  // namespace
}  // namespace wpm::bench
