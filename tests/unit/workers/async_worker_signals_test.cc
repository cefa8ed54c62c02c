// The eventlet and gevent workers' lifecycle: QUIT and TERM under keep-alive (graceful, with
// no client error), ABRT and INT (in-flight requests lost on both sides), max_requests, and
// the death of the master. Instantiated per class with async_worker_test.cc.
#include <gtest/gtest.h>

#include <sys/prctl.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "tests/unit/workers/async_test_client.h"

namespace wpm::test {
namespace {


struct LoadTotals {
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> closed_cleanly{0};  // ended on a "Connection: close" response
};

// One closed-loop keep-alive client: requests back to back until the server says close.
void keep_alive_client(uint16_t port, int id, LoadTotals& totals) {
  Client c(port);
  for (int i = 0; i < 100000; ++i) {
    std::optional<Response> r = c.get(i % 4 == id % 4 ? "/sleep/5" : "/");
    if (!r || r->status != 200) {
      ++totals.errors;
      return;
    }
    ++totals.ok;
    if (!r->keep_alive) {
      ++totals.closed_cleanly;
      return;
    }
  }
}

TEST_P(AsyncWorker, QuitUnderKeepAliveLoadEndsEveryConnectionCleanly) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  constexpr int kClients = 8;
  LoadTotals totals;
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back(keep_alive_client, w.port(), i, std::ref(totals));
  bool loaded = eventually([&] { return totals.ok.load() >= 300; }, 10000);
  uint64_t quit_at = monotonic_ns();
  kill(w.pid(), SIGQUIT);
  for (std::thread& t : clients) t.join();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(totals.errors.load(), 0u);
  EXPECT_EQ(totals.closed_cleanly.load(), static_cast<uint64_t>(kClients));
  EXPECT_EQ(exit_code_of(w.child(), 5000), 0);
  EXPECT_LT(ms_since(quit_at), 3000u);
  EXPECT_EQ(w.snapshot().requests, totals.ok.load());  // client count = server count
  EXPECT_EQ(w.restarts(ExitReason::quit), 1u);
  EXPECT_EQ(recorded_exit(w.slot().hot), ExitReason::quit);
}

TEST_P(AsyncWorker, QuitFinishesTheRequestInHandAndClosesIdleConnections) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client idle(w.port());
  ASSERT_TRUE(idle.get("/"));
  ASSERT_EQ(aio::settled(w, 1).requests, 1u);
  size_t fds = open_fd_count(w.pid());
  Client silent(w.port());  // connected, never sends a byte
  Client busy(w.port());
  ASSERT_TRUE(busy.send(get_request("/sleep/400")));
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  ASSERT_TRUE(eventually([&] { return open_fd_count(w.pid()) == fds + 2; }));  // both accepted
  uint64_t quit_at = monotonic_ns();
  ASSERT_EQ(kill(w.pid(), SIGQUIT), 0);
  ASSERT_TRUE(eventually([&] { return w.state() == WorkerState::quitting; }));
  std::optional<Response> r = busy.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->keep_alive);  // stopping: "Connection: close"
  EXPECT_TRUE(idle.closed_by_peer(3000));
  EXPECT_TRUE(silent.closed_by_peer(3000));
  EXPECT_EQ(exit_code_of(w.child(), 3000), 0);
  EXPECT_LT(ms_since(quit_at), 1500u);  // not the 5 s keepalive nor the graceful timeout
  EXPECT_EQ(w.snapshot().requests, 2u);
  EXPECT_EQ(w.restarts(ExitReason::quit), 1u);
}

TEST_P(AsyncWorker, TermKeepsServingOpenConnectionsUntilTheGracefulTimeout) {
  WorkerOptions o = options();
  o.graceful_timeout_s = 1.5;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  Client late(w.port());
  ASSERT_TRUE(late.get("/"));
  Client lingering(w.port());
  ASSERT_TRUE(lingering.get("/"));
  uint64_t term_at = monotonic_ns();
  ASSERT_EQ(kill(w.pid(), SIGTERM), 0);
  ASSERT_TRUE(eventually([&] { return w.state() == WorkerState::quitting; }));
  // Well past QUIT's idle grace, the open connection is still served (and told to close).
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  std::optional<Response> r = late.get("/status/203");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 203);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(late.closed_by_peer(2000));
  // The connection that stays silent is cut at the graceful timeout, and the worker exits.
  EXPECT_TRUE(lingering.closed_by_peer(3000));
  EXPECT_GE(ms_since(term_at), 1400u);
  EXPECT_EQ(exit_code_of(w.child(), 3000), 0);
  EXPECT_LT(ms_since(term_at), 3500u);
  EXPECT_EQ(w.snapshot().requests, 3u);
  EXPECT_EQ(w.restarts(ExitReason::term), 1u);
}

TEST_P(AsyncWorker, AbortLosesTheRequestsInFlightOnBothSides) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client before(w.port());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(before.get("/"));
  ASSERT_EQ(aio::settled(w, 3).requests, 3u);
  std::vector<Client> sleepers;
  for (int i = 0; i < 5; ++i) {
    sleepers.emplace_back(w.port());
    ASSERT_TRUE(sleepers.back().send(get_request("/sleep/3000")));
  }
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 5; }));
  ASSERT_EQ(kill(w.pid(), SIGABRT), 0);
  int status = w.child().wait_exit(2000);
  ASSERT_NE(status, -1);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  int lost = 0;
  for (Client& c : sleepers) lost += c.read() ? 0 : 1;
  EXPECT_EQ(lost, 5);  // the clients see them fail...
  WorkerSnapshot s = w.snapshot();
  EXPECT_EQ(s.requests, 3u);  // ...and the server never counted them
  EXPECT_EQ(s.in_flight, 5);
  EXPECT_EQ(w.restarts(ExitReason::abort), 1u);
  EXPECT_EQ(w.state(), WorkerState::aborting);
}

TEST_P(AsyncWorker, IntExitsAtOnce) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.send(get_request("/sleep/3000")));
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  ASSERT_EQ(kill(w.pid(), SIGINT), 0);
  EXPECT_EQ(exit_code_of(w.child(), 2000), 0);
  EXPECT_FALSE(c.read());
  EXPECT_EQ(w.restarts(ExitReason::int_), 1u);
}

TEST_P(AsyncWorker, MaxRequestsClosesTheLastResponseAndExits) {
  WorkerOptions o = options();
  o.max_requests = 5;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  for (int i = 1; i <= 5; ++i) {
    std::optional<Response> r = c.get("/");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->keep_alive, i < 5) << i;
  }
  EXPECT_EQ(exit_code_of(w.child(), 3000), 0);
  EXPECT_EQ(w.restarts(ExitReason::max_requests), 1u);
  EXPECT_EQ(w.snapshot().requests, 5u);
}

TEST_P(AsyncWorker, Usr1IsHandledAndServingGoesOn) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.get("/"));
  ASSERT_EQ(kill(w.pid(), SIGUSR1), 0);
  std::optional<Response> r = c.get("/");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->keep_alive);
  EXPECT_EQ(w.child().wait_exit(50), -1);
}

// The worker's parent (a stand-in master) dies: the worker notices and exits. The test
// process is a child subreaper, so it inherits the orphaned worker and can reap it.
TEST_P(AsyncWorker, ExitsWhenTheMasterDies) {
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t master = fork();
  ASSERT_GE(master, 0);
  if (master == 0) {
    WorkerOptions o = options();
    auto* w = new WorkerProcess(o);  // never destroyed: the worker must outlive us
    pid_t worker = w->pid();
    bool running = w->wait_running();
    ssize_t n = write(pipe_fds[1], &worker, sizeof(worker));
    _exit(running && n == sizeof(worker) ? 0 : 1);
  }
  close(pipe_fds[1]);
  pid_t worker = -1;
  ssize_t n = read(pipe_fds[0], &worker, sizeof(worker));
  close(pipe_fds[0]);
  ChildGuard master_guard(master);
  EXPECT_EQ(exit_code_of(master_guard, 5000), 0);
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof(worker)));
  ChildGuard worker_guard(worker);  // ours now (subreaper)
  EXPECT_EQ(exit_code_of(worker_guard, 3000), 0);
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

}  // namespace
}  // namespace wpm::test
