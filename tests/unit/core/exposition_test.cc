#include "core/exposition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace wpm {
namespace {

HistogramSnapshot histogram(std::vector<uint64_t> cumulative, double sum) {
  return HistogramSnapshot{std::move(cumulative), sum};
}

// A small pool with fixed values: one running worker, one exited by abort, the archive.
PoolSnapshot fixture() {
  PoolSnapshot pool;
  WorkerSnapshot retired;
  retired.retired = true;
  retired.worker_id = std::string(kRetiredWorkerId);
  retired.requests = 5;
  retired.duration = histogram({1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 5, 5}, 90.5);
  retired.request_size = histogram({5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, 300);
  retired.response_size = histogram({0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, 1000);
  retired.restarts[static_cast<size_t>(ExitReason::quit)] = 1;
  pool.workers.push_back(retired);

  WorkerSnapshot w;
  w.worker_id = "worker_3_1700000000";
  w.index = 0;
  w.state = WorkerState::running;
  w.state_since_unix = 1700000000.25;
  w.requests = 3;
  w.in_flight = 1;
  w.heartbeat_age_seconds = 0.5;
  w.uptime_seconds = 12;
  w.rss_bytes = 4194304;
  w.cpu_percent = 12.5;
  w.cpu_seconds = 1.5;
  w.duration = histogram({3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, 0.0003);
  w.request_size = histogram({3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, 150);
  w.response_size = histogram({0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, 360);
  w.label_sets.push_back({"GET", "/error", "RuntimeError", 1, 1});
  w.label_sets.push_back({"GET", "__parse__", "bad \"request\"\\line", 0, 2});
  w.routes.push_back({"GET", "/", 2});
  w.routes.push_back({"GET", "/error", 1});
  pool.workers.push_back(w);

  WorkerSnapshot gone = w;
  gone.worker_id = "worker_2_1699999990";
  gone.index = 1;
  gone.state = WorkerState::exited;
  gone.in_flight = 0;
  gone.label_sets.clear();
  gone.restarts[static_cast<size_t>(ExitReason::abort)] = 1;
  gone.exit_reason = ExitReason::abort;
  pool.workers.push_back(gone);

  pool.master_restarts[static_cast<size_t>(ExitReason::abort)] = 1;
  pool.archived_exits[static_cast<size_t>(ExitReason::quit)] = 1;
  pool.master_signals[static_cast<size_t>(ControlSignal::ttin)] = 2;
  pool.workers_by_state[static_cast<size_t>(WorkerState::running)] = 1;
  pool.workers_by_state[static_cast<size_t>(WorkerState::exited)] = 1;
  pool.listen_backlog = 7;
  // Two replacements; nothing served yet by either (first_request left unobserved).
  pool.replacement[static_cast<size_t>(ReplacementPhase::spawn)] =
      histogram({0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, 0.0004);
  pool.replacement[static_cast<size_t>(ReplacementPhase::ready)] =
      histogram({0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, 0.012);
  return pool;
}

bool in(std::string_view value, std::span<const std::string_view> names) {
  return std::find(names.begin(), names.end(), value) != names.end();
}

bool in_vocabulary(std::string_view label, std::string_view value) {
  if (label == "worker_id") return value.starts_with("worker_") || value == kRetiredWorkerId;
  if (label == "state") return in(value, kWorkerStateNames);
  if (label == "reason") return in(value, kExitReasonNames);
  if (label == "restart_type") return in(value, kRestartTypeNames);
  if (label == "signal") return in(value, kControlSignalNames);
  if (label == "phase") return in(value, kReplacementPhaseNames);
  if (label == "method") return value == "GET";
  if (label == "endpoint") return value.starts_with("/") || value.starts_with("__");
  if (label == "error_type") return !value.empty() && value != "GET" && !value.starts_with("/");
  return false;
}

std::string golden_path() { return std::string(WPM_SOURCE_DIR) + "/tests/unit/core/golden/exposition.txt"; }

TEST(Exposition, MatchesGoldenFile) {
  std::string text = render_prometheus(fixture(), "gunicorn");
  if (std::getenv("WPM_UPDATE_GOLDEN") != nullptr) std::ofstream(golden_path()) << text;
  std::ifstream in(golden_path());
  ASSERT_TRUE(in) << "missing " << golden_path();
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str());
}

TEST(Exposition, EveryFamilyOnceAndNoTimestampLabel) {
  std::string text = render_prometheus(fixture(), "gunicorn");
  std::set<std::string> types;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(types.insert(name).second) << "duplicate TYPE " << name;
    }
    EXPECT_EQ(line.find("timestamp"), std::string::npos) << line;
  }
  EXPECT_EQ(types.size(), kMetricCount);
}

TEST(Exposition, PrefixAppliesToEveryFamily) {
  std::string text = render_prometheus(fixture(), "myapp");
  EXPECT_EQ(text.find("gunicorn_"), std::string::npos);
  EXPECT_NE(text.find("myapp_worker_requests_total{worker_id=\"worker_3_1700000000\"} 3\n"),
            std::string::npos);
}

// The model carries the table's words, and every label value comes from the vocabulary its
// label name stands for: a label filled into the wrong position would show up here.
TEST(Exposition, FamiliesComeFromTheTableWithValuesInTheirOwnLabels) {
  PoolSnapshot pool = fixture();
  std::vector<ExpoFamily> families = pool_families(pool, "p");
  ASSERT_EQ(families.size(), kMetricCount);
  for (size_t i = 0; i < families.size(); ++i) {
    const MetricDef& def = metric_table()[i];
    const ExpoFamily& f = families[i];
    EXPECT_EQ(f.name, "p_" + std::string(def.suffix));
    EXPECT_EQ(f.type, def.type);
    EXPECT_EQ(f.help, def.help);
    EXPECT_EQ(f.label_names.data(), def.labels.data()) << f.name;
    EXPECT_EQ(f.bounds.data(), def.buckets.data()) << f.name;
    EXPECT_FALSE(f.samples.empty()) << f.name << ": the fixture should exercise every family";
    for (const ExpoSample& s : f.samples) {
      for (size_t l = 0; l < f.label_names.size(); ++l)
        EXPECT_TRUE(in_vocabulary(f.label_names[l], s.labels[l]))
            << f.name << " " << f.label_names[l] << "=" << s.labels[l];
      size_t expected_counts = f.type == MetricType::histogram ? f.bounds.size() + 1 : 0;
      EXPECT_EQ(s.cumulative.size(), expected_counts) << f.name;
    }
  }
}

// Gauges describe processes: the archive of recycled slots has none; its counts stay.
TEST(Exposition, TheArchiveHasCountersOnly) {
  PoolSnapshot pool = fixture();
  for (const ExpoFamily& f : pool_families(pool, "p")) {
    bool archived = false;
    for (const ExpoSample& s : f.samples)
      for (std::string_view v : s.labels) archived = archived || v == kRetiredWorkerId;
    EXPECT_FALSE(archived && f.type == MetricType::gauge) << f.name;
  }
  std::string text = render_prometheus(pool, "p");
  EXPECT_NE(text.find("p_worker_requests_total{worker_id=\"__retired__\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("p_master_worker_restart_count_total{worker_id=\"__retired__\",reason=\"quit\","
                      "restart_type=\"graceful\"} 1\n"),
            std::string::npos);
}


// A worker's self-handled exits exist at 0 from its first scrape, so increase() sees the step
// to 1; exits only the master can see (kill, crash, ...) add no series to these families.
TEST(Exposition, WorkerHandledExitSeriesStartAtZero) {
  PoolSnapshot pool = fixture();
  std::string text = render_prometheus(pool, "p");
  for (std::string_view reason : {"quit", "term", "int", "max_requests", "abort"}) {
    std::string running = "p_worker_restart_total{worker_id=\"worker_3_1700000000\",reason=\"" +
                          std::string(reason) + "\"} 0\n";
    EXPECT_NE(text.find(running), std::string::npos) << running;
  }
  EXPECT_NE(text.find("p_worker_restart_count_total{worker_id=\"worker_3_1700000000\","
                      "restart_type=\"forced\",reason=\"abort\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("p_worker_restart_total{worker_id=\"worker_2_1699999990\",reason=\"abort\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(text.find("p_worker_restart_total{worker_id=\"worker_3_1700000000\",reason=\"kill\"}"),
            std::string::npos);
  pool.workers[1].restarts[static_cast<size_t>(ExitReason::kill)] = 1;  // never zero-filled
  EXPECT_NE(render_prometheus(pool, "p").find(
                "p_worker_restart_total{worker_id=\"worker_3_1700000000\",reason=\"kill\"} 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace wpm
