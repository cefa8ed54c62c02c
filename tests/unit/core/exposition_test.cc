#include "core/exposition.h"

#include <gtest/gtest.h>

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

TEST(Exposition, LabelValuesAreEscaped) {
  std::string out;
  append_escaped_label_value(out, "a\"b\\c\nd");
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd");
}

TEST(Exposition, NumbersUsePrometheusSpelling) {
  auto num = [](double v) {
    std::string s;
    append_number(s, v);
    return s;
  };
  EXPECT_EQ(num(3), "3");
  EXPECT_EQ(num(0.0005), "0.0005");
  EXPECT_EQ(num(1.0 / 0.0), "+Inf");
  EXPECT_EQ(num(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(num(12.5), "12.5");
}

}  // namespace
}  // namespace wpm
