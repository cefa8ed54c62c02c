// The master end to end: this test binary runs as the master (run_master) and as its fake
// workers (see test_main.cc). Real processes, real sockets, loopback, port 0.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "core/metric_table.h"
#include "supervisor/listen_socket.h"
#include "supervisor/proc_sampler.h"
#include "test_support.h"

namespace wpm::supervisor {
namespace {

using namespace std::chrono_literals;
using test::eventually;
using test::MasterProcess;

std::string m(MetricId id) { return metric_name(id, kDefaultPrefix); }

std::set<int32_t> pids_of(const PoolState& s) {
  std::set<int32_t> pids;
  for (const WorkerRow& w : s.workers) pids.insert(w.pid);
  return pids;
}

// Running, not a zombie waiting for whoever adopted it to reap it.
bool alive(pid_t pid) {
  Result<ProcSample> s = read_proc_sample(pid);
  return s.ok() && !s->zombie;
}

using Master = test::MasterFixture;

TEST_F(Master, ServesCountsAndStopsGracefully) {
  PoolState s = start();
  EXPECT_EQ(s.master_pid, master_->pid());
  EXPECT_EQ(s.worker_class, "sync");
  EXPECT_NE(s.bind, "127.0.0.1:0");
  EXPECT_NE(s.metrics_bind, "127.0.0.1:0");
  for (int i = 0; i < 20; ++i) {
    std::optional<test::HttpReply> r = test::http_get(s.bind, "/");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_TRUE(eventually([&] { return metric(MetricId::worker_requests) == 20; }));
  EXPECT_EQ(healthz(), 200);
  std::string log = master_->log();
  EXPECT_NE(log.find("listening at http://" + s.bind), std::string::npos);
  EXPECT_NE(log.find("metrics at http://" + s.metrics_bind + "/metrics"), std::string::npos);
  std::set<int32_t> workers = pids_of(s);
  stop_gracefully();
  for (int32_t pid : workers) EXPECT_FALSE(alive(pid)) << pid;
  EXPECT_FALSE(master_->state().has_value()) << "state file left behind";
  EXPECT_EQ(metric(MetricId::master_worker_restart), 0);  // nothing replaced while stopping
}

TEST_F(Master, PidfileHoldsTheMasterPid) {
  std::string dir = test::temp_dir();
  std::string path = dir + "/wpm.pid";
  start({{"pidfile", path}});
  EXPECT_EQ(test::read_file(path), std::to_string(master_->pid()) + "\n");
  stop_gracefully();
  EXPECT_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

std::map<std::string, std::string> worker_flags(const std::string& argv_file) {
  std::istringstream lines(test::read_file(argv_file));
  std::vector<std::string> args;
  for (std::string line; std::getline(lines, line);) args.push_back(line);
  std::map<std::string, std::string> flags;
  if (args.empty() || args[0] != "worker") return flags;
  for (size_t i = 1; i + 1 < args.size(); ++i)
    if (args[i].rfind("--", 0) == 0) flags[args[i].substr(2)] = args[i + 1];
  return flags;
}

// `<self_exe> worker …` with the fds it inherited and max_requests already jittered.
TEST_F(Master, WorkersGetTheirSlotFdsAndJitteredMaxRequests) {
  std::string dir = test::temp_dir();
  PoolState s = start({{"max_requests", "100"}, {"jitter", "10"}}, {{"WPM_FAKE_ARGV_DIR", dir}});
  std::set<std::string> slots;
  for (const WorkerRow& w : s.workers) {
    std::map<std::string, std::string> f = worker_flags(dir + "/argv-" + std::to_string(w.pid));
    ASSERT_FALSE(f.empty()) << "worker " << w.pid << " argv missing";
    EXPECT_EQ(f["worker-class"], "sync");
    EXPECT_EQ(f["index"], std::to_string(w.index));
    EXPECT_EQ(f["name"], master_->name());
    int max_requests = std::stoi(f["max-requests"]);
    EXPECT_GE(max_requests, 100);
    EXPECT_LE(max_requests, 110);
    EXPECT_TRUE(std::filesystem::exists("/proc/" + std::to_string(w.pid) + "/fd/" +
                                        f["listen-fd"]));
    EXPECT_TRUE(std::filesystem::exists("/proc/" + std::to_string(w.pid) + "/fd/" +
                                        f["segment-fd"]));
    slots.insert(f["slot"]);
  }
  EXPECT_EQ(slots.size(), 2u);  // one slot each
  stop_gracefully();
  std::filesystem::remove_all(dir);
}

TEST_F(Master, AbortedWorkerIsReplacedAsForcedAbort) {
  PoolState before = start();
  int32_t victim = before.workers[0].pid;
  std::string victim_id = before.workers[0].worker_id;
  kill(victim, SIGABRT);
  std::optional<PoolState> after;
  ASSERT_TRUE(eventually([&] {
    after = master_->wait_running(2, 100ms);
    return after && !pids_of(*after).count(victim);
  }));
  EXPECT_EQ(metric(MetricId::master_worker_restart, {"reason=\"abort\""}), 1);
  EXPECT_EQ(metric(MetricId::master_worker_restart), 1);
  EXPECT_EQ(metric(MetricId::master_worker_restart_count,
                   {"worker_id=\"" + victim_id + "\"", "reason=\"abort\"",
                    "restart_type=\"forced\""}),
            1);
  // The replacement gets a new age: worker_<age>_<start> differs.
  for (const WorkerRow& w : after->workers) EXPECT_NE(w.worker_id, victim_id);
  stop_gracefully();
}

TEST_F(Master, QuitIsGracefulAndKillIsKill) {
  PoolState s = start();
  kill(s.workers[0].pid, SIGQUIT);
  kill(s.workers[1].pid, SIGKILL);
  ASSERT_TRUE(eventually([&] {
    return metric(MetricId::master_worker_restart, {"reason=\"quit\""}) == 1 &&
           metric(MetricId::master_worker_restart, {"reason=\"kill\""}) == 1;
  }));
  EXPECT_EQ(metric(MetricId::master_worker_restart_count,
                   {"reason=\"quit\"", "restart_type=\"graceful\""}),
            1);
  EXPECT_TRUE(master_->wait_running(2).has_value());
  stop_gracefully();
}

TEST_F(Master, TtinAndTtouChangeTheWorkerCount) {
  PoolState s = start();
  master_->signal(SIGTTIN);
  std::optional<PoolState> three = master_->wait_running(3);
  ASSERT_TRUE(three.has_value());
  int32_t oldest = s.workers[0].pid;  // index 0 was spawned first
  master_->signal(SIGTTOU);
  ASSERT_TRUE(eventually([&] {
    std::optional<PoolState> now = master_->wait_running(2, 100ms);
    return now && !pids_of(*now).count(oldest);
  }));
  EXPECT_TRUE(eventually([&] { return !alive(oldest); }));
  EXPECT_EQ(metric(MetricId::master_worker_restart), 0);  // shrinking is not a replacement
  EXPECT_EQ(metric(MetricId::master_signals, {"signal=\"ttin\""}), 1);
  EXPECT_EQ(metric(MetricId::master_signals, {"signal=\"ttou\""}), 1);
  EXPECT_EQ(metric(MetricId::master_worker_restart_count, {"reason=\"scale_down\""}), 1);
  stop_gracefully();
}

TEST_F(Master, HupReplacesEveryWorker) {
  PoolState s = start();
  std::set<int32_t> old = pids_of(s);
  master_->signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    std::optional<PoolState> now = master_->wait_running(2, 100ms);
    if (!now) return false;
    for (int32_t pid : pids_of(*now))
      if (old.count(pid)) return false;
    return true;
  }));
  EXPECT_TRUE(eventually([&] { return metric(MetricId::master_worker_restart,
                                             {"reason=\"reload\""}) == 2; }));
  EXPECT_EQ(metric(MetricId::master_signals, {"signal=\"hup\""}), 1);
  EXPECT_TRUE(eventually([&] {
    return healthz() == 200;
  }));
  stop_gracefully();
}

TEST_F(Master, SilentWorkerIsAbortedForTimeout) {
  start({{"timeout", "1"}}, {{"WPM_FAKE_MODE_0", "hang"}});
  EXPECT_TRUE(eventually([&] {
    return metric(MetricId::master_worker_restart, {"reason=\"timeout\""}) >= 1;
  }));
  EXPECT_EQ(metric(MetricId::master_worker_restart_count,
                   {"reason=\"timeout\"", "restart_type=\"forced\""}) >= 1, true);
  EXPECT_NE(master_->log().find("missed its heartbeat"), std::string::npos);
  stop_gracefully();
}

TEST_F(Master, WorkerThatNeverBootsIsKilledAndPoolIsUnhealthy) {
  master_ = std::make_unique<MasterProcess>(
      std::map<std::string, std::string>{{"boot_timeout", "1"}},
      std::map<std::string, std::string>{{"WPM_FAKE_MODE_1", "noboot"}});
  ASSERT_TRUE(eventually([&] {
    return metric(MetricId::master_worker_restart, {"reason=\"timeout\""}) >= 1;
  }));
  EXPECT_EQ(healthz(), 503);
  EXPECT_NE(master_->log().find("boot timeout"), std::string::npos);
  stop_gracefully();
}

TEST_F(Master, CrashLoopIsBackedOff) {
  master_ = std::make_unique<MasterProcess>(std::map<std::string, std::string>{{"workers", "1"}},
                                            std::map<std::string, std::string>{{"WPM_FAKE_MODE", "crash"}});
  ASSERT_TRUE(eventually([&] {
    return metric(MetricId::master_worker_restart, {"reason=\"crash\""}) >= 2;
  }));
  // Backoff 0.1, 0.2, 0.4, 0.8 … s: within the next 1.5 s at most ~4 more attempts, where an
  // unguarded loop would respawn hundreds of times.
  double before = metric(MetricId::master_worker_restart, {"reason=\"crash\""});
  std::this_thread::sleep_for(1500ms);
  double after = metric(MetricId::master_worker_restart, {"reason=\"crash\""});
  EXPECT_LE(after - before, 5);
  EXPECT_NE(master_->log().find("crash-loop backoff"), std::string::npos);
  stop_gracefully();
}

TEST_F(Master, WorkerUsageErrorAtBootStopsThePool) {
  master_ = std::make_unique<MasterProcess>(std::map<std::string, std::string>{},
                                            std::map<std::string, std::string>{{"WPM_FAKE_MODE", "usage"}});
  EXPECT_EQ(master_->wait_exit(), 1);
  EXPECT_NE(master_->log().find("usage error"), std::string::npos);
}

TEST_F(Master, StubbornWorkersAreKilledAfterTheGracefulTimeout) {
  start({{"graceful_timeout", "1"}}, {{"WPM_FAKE_MODE", "stubborn"}});
  auto t0 = std::chrono::steady_clock::now();
  master_->signal(SIGTERM);
  EXPECT_EQ(master_->wait_exit(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  EXPECT_NE(master_->log().find("SIGKILL"), std::string::npos);
}

TEST_F(Master, IntIsAQuickStop) {
  start({{"graceful_timeout", "30"}}, {{"WPM_FAKE_MODE", "stubborn"}});
  auto t0 = std::chrono::steady_clock::now();
  master_->signal(SIGINT);
  EXPECT_EQ(master_->wait_exit(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 6s);  // short grace, not graceful_timeout
}

TEST_F(Master, Usr1IsForwardedToEveryWorker) {
  std::string dir = test::temp_dir();
  PoolState s = start({}, {{"WPM_FAKE_USR1_DIR", dir}});
  master_->signal(SIGUSR1);
  for (int32_t pid : pids_of(s))
    EXPECT_TRUE(eventually([&] {
      return std::filesystem::exists(dir + "/usr1-" + std::to_string(pid));
    })) << pid;
  EXPECT_EQ(metric(MetricId::master_signals, {"signal=\"usr1\""}), 1);
  stop_gracefully();
  std::filesystem::remove_all(dir);
}

// Many restarts: exited series stay bounded (retain_max) while the request total never goes
// backwards, because recycled slots are folded into the archive.
TEST_F(Master, RetentionBoundsSeriesAndTotalsNeverDecrease) {
  PoolState s = start({{"workers", "1"}, {"retain_max", "2"}}, {}, 1);
  double last_total = 0;
  for (int round = 1; round <= 5; ++round) {
    ASSERT_EQ(test::http_get(s.bind, "/")->status, 200);
    int32_t pid = s.workers[0].pid;
    kill(pid, SIGQUIT);
    ASSERT_TRUE(eventually([&] {
      std::optional<PoolState> now = master_->wait_running(1, 100ms);
      if (now && now->workers[0].pid != pid) s = *now;
      return now && now->workers[0].pid != pid;
    }));
    ASSERT_TRUE(eventually([&] {
      return metric(MetricId::master_worker_restart, {"reason=\"quit\""}) == round;
    }));
    double total = metric(MetricId::worker_requests);
    EXPECT_EQ(total, round);
    EXPECT_GE(total, last_total);
    last_total = total;
  }
  std::string text = master_->metrics();
  EXPECT_LE(test::count_series(text, m(MetricId::worker_state),
                               {"state=\"exited\"", "} 1"}),
            2u);
  EXPECT_EQ(test::sum_samples(text, m(MetricId::master_worker_restart_count)), 5);
  EXPECT_GE(test::count_series(text, m(MetricId::worker_requests), {"__retired__"}), 1u);
  stop_gracefully();
}

TEST_F(Master, ZeroRetentionRecyclesExitedSlotsAtOnce) {
  PoolState s = start({{"workers", "1"}, {"retain_exited", "0"}}, {}, 1);
  ASSERT_EQ(test::http_get(s.bind, "/")->status, 200);
  kill(s.workers[0].pid, SIGQUIT);
  ASSERT_TRUE(eventually([&] {
    return metric(MetricId::master_worker_restart, {"reason=\"quit\""}) == 1;
  }));
  EXPECT_TRUE(eventually([&] {
    std::string text = master_->metrics();
    return test::count_series(text, m(MetricId::worker_state), {"state=\"exited\"", "} 1"}) ==
               0 &&
           test::sum_samples(text, m(MetricId::worker_requests)) == 1;
  }));
  stop_gracefully();
}

TEST_F(Master, PortInUseIsAClearFailure) {
  Result<ListenSocket> taken = open_listen_socket({"127.0.0.1", 0}, 4, false);
  ASSERT_TRUE(taken.ok());
  master_ = std::make_unique<MasterProcess>(
      std::map<std::string, std::string>{{"bind", taken->address.str()}});
  EXPECT_EQ(master_->wait_exit(), 1);
  EXPECT_NE(master_->log().find("cannot bind " + taken->address.str() +
                                ": Address already in use"),
            std::string::npos);
  master_ = std::make_unique<MasterProcess>(
      std::map<std::string, std::string>{{"metrics_bind", taken->address.str()}});
  EXPECT_EQ(master_->wait_exit(), 1);
  EXPECT_NE(master_->log().find("cannot bind " + taken->address.str()), std::string::npos);
}

TEST_F(Master, UnusableWorkerBinaryFailsFast) {
  master_ = std::make_unique<MasterProcess>(
      std::map<std::string, std::string>{{"self_exe", "/nonexistent/wpm"}});
  EXPECT_EQ(master_->wait_exit(), 1);
  EXPECT_NE(master_->log().find("cannot start /nonexistent/wpm"), std::string::npos);
}

// PR_SET_PDEATHSIG: a master that dies without stopping its pool takes its workers with it.
TEST_F(Master, WorkersDieWithAKilledMaster) {
  PoolState s = start();
  master_->signal(SIGKILL);
  EXPECT_EQ(master_->wait_exit(), -SIGKILL);
  for (int32_t pid : pids_of(s))
    EXPECT_TRUE(eventually([&] { return !alive(pid); })) << pid;
}

TEST_F(Master, SecondMasterWithTheSameNameIsRefused) {
  start();
  MasterProcess second({{"name", master_->name()}},
                       {{"XDG_RUNTIME_DIR", master_->runtime_dir()}});
  EXPECT_EQ(second.wait_exit(), 1);
  EXPECT_NE(second.log().find("already running (master pid " + std::to_string(master_->pid())),
            std::string::npos)
      << second.log();
  EXPECT_TRUE(master_->state().has_value());  // the first one's state file is untouched
  stop_gracefully();
}

}  // namespace
}  // namespace wpm::supervisor
