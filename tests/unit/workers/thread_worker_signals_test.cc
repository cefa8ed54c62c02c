// The thread worker's signals and exits as a real process: QUIT under keep-alive load, TERM's
// drain and graceful timeout, ABRT with requests in flight, INT, max_requests, /crash.
#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/resource.h>

#include <atomic>
#include <future>
#include <vector>

#include "tests/unit/workers/thread_test_client.h"

namespace wpm::test {
namespace {

// A client that sends GET / on its keep-alive connection as fast as it can until the worker
// answers "Connection: close"; anything else is an error.
struct Looper {
  explicit Looper(uint16_t port) : client(port) {}
  void run() {
    for (;;) {
      std::optional<Response> r = client.get("/");
      if (!r || r->status != 200) {
        errors.fetch_add(1);
        return;
      }
      responses.fetch_add(1);
      if (!r->keep_alive) return;
    }
  }
  Client client;
  std::atomic<uint64_t> responses{0}, errors{0};
};

TEST(ThreadWorkerSignals, QuitUnderKeepAliveLoadFinishesRequestsInHandWithoutClientErrors) {
  WorkerProcess w(thread_options(4));
  ASSERT_TRUE(w.wait_running());
  Client idle(w.port());
  ASSERT_TRUE(idle.get("/"));  // then idle in the poller
  std::vector<std::unique_ptr<Looper>> loopers;
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) loopers.push_back(std::make_unique<Looper>(w.port()));
  for (auto& l : loopers) threads.emplace_back(&Looper::run, l.get());
  std::vector<Client> sleepers;
  for (int i = 0; i < 2; ++i) sleepers.emplace_back(w.port());
  for (Client& s : sleepers) ASSERT_TRUE(s.send(get_request("/sleep/400")));
  ASSERT_TRUE(eventually([&] {
    for (auto& l : loopers)
      if (l->responses.load() < 20) return false;
    return w.slot().hot.in_flight.load() >= 2;
  }));
  uint64_t quit_at = monotonic_ns();
  ASSERT_EQ(kill(w.pid(), SIGQUIT), 0);
  uint64_t client_responses = 1;
  for (Client& s : sleepers) {  // in hand: answered, with close
    std::optional<Response> r = s.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->keep_alive);
    ++client_responses;
  }
  for (std::thread& t : threads) t.join();
  for (auto& l : loopers) {
    EXPECT_EQ(l->errors.load(), 0u);
    client_responses += l->responses.load();
  }
  EXPECT_TRUE(idle.closed_by_peer(2000));  // idle keep-alive connection let go
  EXPECT_EQ(exit_code_of(w.child(), 5000), 0);
  EXPECT_LT(ms_since(quit_at), 2000u);
  EXPECT_EQ(w.restarts(ExitReason::quit), 1u);
  EXPECT_EQ(recorded_exit(w.slot().hot), ExitReason::quit);
  EXPECT_EQ(w.state(), WorkerState::quitting);
  EXPECT_EQ(w.snapshot().requests, client_responses);
}

TEST(ThreadWorkerSignals, QuitAnswersRequestsQueuedBehindBusyThreads) {
  WorkerProcess w(thread_options(/*threads=*/1));
  ASSERT_TRUE(w.wait_running());
  Client busy(w.port()), queued(w.port());
  ASSERT_TRUE(busy.send(get_request("/sleep/400")));
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  ASSERT_TRUE(queued.send(get_request("/")));  // waits for the only thread
  ASSERT_EQ(kill(w.pid(), SIGQUIT), 0);
  std::optional<Response> a = busy.read(), b = queued.read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->status, 200);
  EXPECT_FALSE(b->keep_alive);
  EXPECT_EQ(exit_code_of(w.child(), 5000), 0);
  EXPECT_EQ(w.snapshot().requests, 2u);
}

TEST(ThreadWorkerSignals, TermKeepsServingOpenConnectionsThenExits) {
  WorkerProcess w(thread_options());
  ASSERT_TRUE(w.wait_running());
  Client open(w.port());
  ASSERT_TRUE(open.get("/"));
  ASSERT_EQ(kill(w.pid(), SIGTERM), 0);
  ASSERT_TRUE(eventually([&] { return w.state() == WorkerState::quitting; }));
  std::optional<Response> r = open.get("/");  // still served, told to close
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(open.closed_by_peer(2000));
  EXPECT_EQ(exit_code_of(w.child(), 3000), 0);
  EXPECT_EQ(w.restarts(ExitReason::term), 1u);
  EXPECT_EQ(w.snapshot().requests, 2u);
}

TEST(ThreadWorkerSignals, TermClosesWhatIsLeftAtTheGracefulTimeout) {
  WorkerOptions o = thread_options();
  o.graceful_timeout_s = 0.5;
  o.keepalive_s = 30;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  Client open(w.port());
  ASSERT_TRUE(open.get("/"));
  uint64_t term_at = monotonic_ns();
  ASSERT_EQ(kill(w.pid(), SIGTERM), 0);
  EXPECT_TRUE(open.closed_by_peer(3000));
  EXPECT_EQ(exit_code_of(w.child(), 3000), 0);
  EXPECT_GE(ms_since(term_at), 450u);
  EXPECT_LT(ms_since(term_at), 2000u);
  EXPECT_EQ(w.restarts(ExitReason::term), 1u);
}

TEST(ThreadWorkerSignals, AbortLosesTheRequestsInFlightOnBothSides) {
  WorkerProcess w(thread_options(4));
  ASSERT_TRUE(w.wait_running());
  Client done(w.port());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(done.get("/"));
  ASSERT_EQ(settled_snapshot(w).requests, 5u);
  std::vector<Client> in_flight;
  for (int i = 0; i < 3; ++i) in_flight.emplace_back(w.port());
  for (Client& c : in_flight) ASSERT_TRUE(c.send(get_request("/sleep/3000")));
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 3; }));
  uint64_t abort_at = monotonic_ns();
  ASSERT_EQ(kill(w.pid(), SIGABRT), 0);
  EXPECT_EQ(exit_code_of(w.child(), 2000), 1);
  EXPECT_LT(ms_since(abort_at), 1000u);
  for (Client& c : in_flight) EXPECT_FALSE(c.read());  // no response: lost
  EXPECT_EQ(w.restarts(ExitReason::abort), 1u);
  EXPECT_EQ(w.state(), WorkerState::aborting);
  EXPECT_EQ(w.snapshot().requests, 5u);  // the lost ones were never counted
}

TEST(ThreadWorkerSignals, IntExitsImmediately) {
  WorkerProcess w(thread_options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.send(get_request("/sleep/3000")));
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  ASSERT_EQ(kill(w.pid(), SIGINT), 0);
  EXPECT_EQ(exit_code_of(w.child(), 2000), 0);
  EXPECT_EQ(w.restarts(ExitReason::int_), 1u);
  EXPECT_FALSE(c.read());
}

TEST(ThreadWorkerSignals, Usr1IsHandledAndServingGoesOn) {
  WorkerProcess w(thread_options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.get("/"));
  ASSERT_EQ(kill(w.pid(), SIGUSR1), 0);
  std::optional<Response> r = c.get("/");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->keep_alive);
  EXPECT_EQ(w.child().wait_exit(50), -1);
}

TEST(ThreadWorkerSignals, MaxRequestsClosesTheLastResponseAndExits) {
  WorkerOptions o = thread_options();
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

TEST(ThreadWorkerSignals, CrashOnAHandlerThreadIsACrashNotAnAbort) {
  WorkerOptions o = thread_options();
  o.allow_crash = true;
  rlimit no_core{0, 0};  // the child inherits it: no core file for an intended crash
  setrlimit(RLIMIT_CORE, &no_core);
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  EXPECT_FALSE(c.get("/crash"));
  int status = w.child().wait_exit();
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
  EXPECT_FALSE(recorded_exit(w.slot().hot).has_value());
}

// The master dies: the worker (reparented to this test process, made a subreaper so it can
// reap it) notices within a tick, lets go of its idle connections and exits 0 without
// recording an exit nobody will read.
TEST(ThreadWorkerSignals, MasterDeathEndsTheWorker) {
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  struct SubreaperOff {
    ~SubreaperOff() { prctl(PR_SET_CHILD_SUBREAPER, 0); }
  } subreaper_off;
  Result<Segment> segment = Segment::create(1);
  ASSERT_TRUE(segment);
  WorkerSlot& slot = segment->slot(0);
  claim_slot(slot, 0, 1, 0);
  UniqueFd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener.get(), 16), 0);
  getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  WorkerOptions o = thread_options();
  o.listen_fd = listener.get();
  o.segment_fd = segment->fd();
  int pid_pipe[2], die_pipe[2];
  ASSERT_EQ(pipe(pid_pipe), 0);
  ASSERT_EQ(pipe(die_pipe), 0);
  pid_t master = fork();
  if (master == 0) {  // the stand-in master: spawns the worker, dies when told (or EOF)
    close(die_pipe[1]);  // so the test's close is the EOF
    pid_t worker = fork();
    if (worker == 0) _exit(run_worker(o));
    ssize_t ignored = write(pid_pipe[1], &worker, sizeof(worker));
    char c;
    ignored = read(die_pipe[0], &c, 1);
    (void)ignored;
    _exit(0);
  }
  close(die_pipe[0]);
  ChildGuard master_guard(master);
  pid_t worker = -1;
  ASSERT_EQ(read(pid_pipe[0], &worker, sizeof(worker)), ssize_t{sizeof(worker)});
  close(pid_pipe[0]);
  close(pid_pipe[1]);
  ChildGuard worker_guard(worker);  // ours once reparented: killed and reaped on failure
  ASSERT_TRUE(eventually([&] { return slot.hot.state.load() == uint32_t(WorkerState::running); }));
  Client idle(ntohs(addr.sin_port));
  std::optional<Response> first = idle.get("/");
  close(die_pipe[1]);  // the master dies
  ASSERT_TRUE(first);
  ASSERT_EQ(master_guard.wait_exit(5000), 0);
  EXPECT_TRUE(idle.closed_by_peer(3000));
  EXPECT_EQ(exit_code_of(worker_guard, 5000), 0);
  EXPECT_FALSE(recorded_exit(slot.hot).has_value());
}

}  // namespace
}  // namespace wpm::test
