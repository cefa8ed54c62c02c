// The sync worker as a real process on a loopback socket: responses, counters in the shared
// segment, signals, max_requests and the heartbeat.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <filesystem>
#include <future>
#include <string>

#include "tests/unit/workers/worker_harness.h"

namespace wpm::test {
namespace {

WorkerOptions quick_options() {
  WorkerOptions o;
  o.timeout_s = 4;  // heartbeat every second at most; peers get 4 s
  o.log_level = LogLevel::warning;
  return o;
}

TEST(SyncWorker, ServesRoutesAndCountsExactBytes) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  const std::string requests[] = {
      "GET / HTTP/1.1\r\nHost: t\r\n\r\n",
      "GET /status/418 HTTP/1.0\r\n\r\n",
      "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
      "GET /bytes/100000 HTTP/1.1\r\n\r\n",
      "HEAD /bytes/10 HTTP/1.1\r\n\r\n",
      "GET /missing HTTP/1.1\r\n\r\n",
  };
  const int expected_status[] = {200, 418, 200, 200, 200, 404};
  uint64_t sent = 0, received = 0;
  for (size_t i = 0; i < std::size(requests); ++i) {
    std::string response = roundtrip(w.port(), requests[i]);
    EXPECT_EQ(status_of(response), expected_status[i]) << requests[i];
    EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos);
    sent += requests[i].size();
    received += response.size();
    std::string body = body_of(response);
    if (i == 0) {
      EXPECT_EQ(body, "OK\n");
    } else if (i == 2) {
      EXPECT_EQ(body, "hello");
    } else if (i == 3) {
      EXPECT_EQ(body.size(), 100000u);
    } else if (i == 4) {
      EXPECT_EQ(body.size(), 0u);
    }
  }
  WorkerSnapshot s = w.snapshot();
  EXPECT_EQ(s.requests, std::size(requests));
  EXPECT_EQ(s.duration.count(), std::size(requests));
  EXPECT_DOUBLE_EQ(s.request_size.sum, static_cast<double>(sent));
  EXPECT_DOUBLE_EQ(s.response_size.sum, static_cast<double>(received));
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_TRUE(s.label_sets.empty());
  EXPECT_EQ(s.state, WorkerState::running);
}

TEST(SyncWorker, ErrorRouteIs500CountedOnceInFailedAndErrors) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  EXPECT_EQ(status_of(get(w.port(), "/error")), 500);
  EXPECT_EQ(status_of(get(w.port(), "/")), 200);
  WorkerSnapshot s = w.snapshot();
  EXPECT_EQ(s.requests, 2u);
  size_t i = label_index(s, "RuntimeError");
  ASSERT_NE(i, SIZE_MAX);
  EXPECT_EQ(s.label_sets[i].method, "GET");
  EXPECT_EQ(s.label_sets[i].endpoint, "/error");
  EXPECT_EQ(s.label_sets[i].failed, 1u);
  EXPECT_EQ(s.label_sets[i].errors, 1u);
  EXPECT_EQ(s.label_sets.size(), 1u);
}

TEST(SyncWorker, MalformedAndOversizedRequestsGetErrorsAndTheWorkerSurvives) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  std::string bad = roundtrip(w.port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(status_of(bad), 400);
  EXPECT_NE(bad.find("Connection: close\r\n"), std::string::npos);
  std::string huge = "GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n";
  EXPECT_EQ(status_of(roundtrip(w.port(), huge)), 431);
  std::string line = "GET /" + std::string(5000, 'a') + " HTTP/1.1\r\n\r\n";
  EXPECT_EQ(status_of(roundtrip(w.port(), line)), 400);
  EXPECT_EQ(status_of(get(w.port(), "/")), 200);
  WorkerSnapshot s = w.snapshot();
  EXPECT_EQ(s.requests, 4u);
  ASSERT_NE(label_index(s, "InvalidHTTPVersion"), SIZE_MAX);
  ASSERT_NE(label_index(s, "LimitRequestHeaders"), SIZE_MAX);
  ASSERT_NE(label_index(s, "LimitRequestLine"), SIZE_MAX);
  for (const LabelSetSnapshot& l : s.label_sets) {
    EXPECT_EQ(l.errors, 1u) << l.error_type;
    EXPECT_EQ(l.failed, 0u) << l.error_type;
  }
}

TEST(SyncWorker, ARequestArrivingByteByByteIsServedAndSizedExactly) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  const std::string request = "GET /status/201 HTTP/1.1\r\nHost: slow\r\n\r\n";
  UniqueFd fd = connect_to(w.port());
  for (char c : request) {
    ASSERT_TRUE(send_all(fd.get(), std::string_view(&c, 1)));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the slowloris pace itself
  }
  EXPECT_EQ(status_of(read_to_eof(fd.get())), 201);
  EXPECT_DOUBLE_EQ(w.snapshot().request_size.sum, static_cast<double>(request.size()));
}

TEST(SyncWorker, AStalledRequestIsDroppedAfterTheIoTimeoutAndServingGoesOn) {
  WorkerOptions o = quick_options();
  o.timeout_s = 1;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  UniqueFd stalled = connect_to(w.port());
  ASSERT_TRUE(send_all(stalled.get(), "GET / HT"));
  uint64_t start = monotonic_ns();
  EXPECT_EQ(read_to_eof(stalled.get()), "");  // closed without a response
  uint64_t waited_ms = (monotonic_ns() - start) / 1'000'000;
  EXPECT_GE(waited_ms, 900u);
  EXPECT_LT(waited_ms, 5000u);
  EXPECT_EQ(status_of(get(w.port(), "/")), 200);
  EXPECT_EQ(w.snapshot().requests, 1u);
}

TEST(SyncWorker, ExpectContinueGetsA100BeforeTheBody) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  UniqueFd fd = connect_to(w.port());
  ASSERT_TRUE(send_all(fd.get(), "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\n"
                                 "Content-Length: 4\r\n\r\n"));
  char buf[64];
  ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(send_all(fd.get(), "body"));
  EXPECT_EQ(body_of(read_to_eof(fd.get())), "body");
}

TEST(SyncWorker, QuitFinishesTheRequestInHandThenExitsZero) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  auto response = std::async(std::launch::async, [&] { return get(w.port(), "/sleep/300"); });
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  uint64_t sent_at = monotonic_ns();
  ASSERT_EQ(kill(w.pid(), SIGQUIT), 0);
  ASSERT_TRUE(eventually([&] { return w.state() == WorkerState::quitting; }));
  std::string r = response.get();
  EXPECT_EQ(status_of(r), 200);
  int status = w.child().wait_exit();
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_LT((monotonic_ns() - sent_at) / 1'000'000, 3000u);
  EXPECT_EQ(w.restarts(ExitReason::quit), 1u);
  EXPECT_EQ(recorded_exit(w.slot().hot), ExitReason::quit);
  EXPECT_EQ(w.snapshot().requests, 1u);
}

size_t open_fds(pid_t pid) {
  std::error_code ec;
  auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
  return ec ? 0 : static_cast<size_t>(std::distance(it, std::filesystem::directory_iterator()));
}

TEST(SyncWorker, QuitLetsGoOfAConnectionThatSentNothing) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  size_t before = open_fds(w.pid());
  ASSERT_GT(before, 0u);
  UniqueFd silent = connect_to(w.port());
  ASSERT_TRUE(eventually([&] { return open_fds(w.pid()) > before; }));  // accepted
  uint64_t sent_at = monotonic_ns();
  ASSERT_EQ(kill(w.pid(), SIGQUIT), 0);
  int status = w.child().wait_exit(3000);
  ASSERT_TRUE(status != -1 && WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_LT((monotonic_ns() - sent_at) / 1'000'000, 1500u);  // not the 4 s I/O timeout
  EXPECT_EQ(read_to_eof(silent.get()), "");
  EXPECT_EQ(w.snapshot().requests, 0u);
}

TEST(SyncWorker, TermExitsZeroWithReasonTerm) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  ASSERT_EQ(kill(w.pid(), SIGTERM), 0);
  int status = w.child().wait_exit();
  ASSERT_TRUE(status != -1 && WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(w.restarts(ExitReason::term), 1u);
  EXPECT_EQ(w.state(), WorkerState::quitting);
}

TEST(SyncWorker, AbortExitsOneAtOnceAndLosesTheRequestInHand) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  auto response = std::async(std::launch::async, [&] { return get(w.port(), "/sleep/3000"); });
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  ASSERT_EQ(kill(w.pid(), SIGABRT), 0);
  int status = w.child().wait_exit(2000);
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_EQ(w.restarts(ExitReason::abort), 1u);
  EXPECT_EQ(w.state(), WorkerState::aborting);
  EXPECT_EQ(response.get(), "");  // connection closed without a response
}

TEST(SyncWorker, IntExitsImmediately) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  auto response = std::async(std::launch::async, [&] { return get(w.port(), "/sleep/3000"); });
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  ASSERT_EQ(kill(w.pid(), SIGINT), 0);
  int status = w.child().wait_exit(2000);
  ASSERT_TRUE(status != -1 && WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(w.restarts(ExitReason::int_), 1u);
  EXPECT_EQ(response.get(), "");
}

TEST(SyncWorker, Usr1IsHandledAndTheWorkerKeepsServing) {
  WorkerProcess w(quick_options());
  ASSERT_TRUE(w.wait_running());
  ASSERT_EQ(kill(w.pid(), SIGUSR1), 0);
  EXPECT_EQ(status_of(get(w.port(), "/")), 200);
  EXPECT_EQ(w.child().wait_exit(50), -1);  // still alive
}

TEST(SyncWorker, MaxRequestsExitsGracefully) {
  WorkerOptions o = quick_options();
  o.max_requests = 3;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(status_of(get(w.port(), "/")), 200);
  int status = w.child().wait_exit();
  ASSERT_TRUE(status != -1 && WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(w.restarts(ExitReason::max_requests), 1u);
  EXPECT_EQ(w.snapshot().requests, 3u);
}

TEST(SyncWorker, HeartbeatIsFreshWhileIdleAndStaleWhileAHandlerSpins) {
  WorkerOptions o = quick_options();
  o.timeout_s = 0.4;  // heartbeat every 100 ms
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  auto age_ms = [&] { return (monotonic_ns() - w.slot().hot.heartbeat_ns.load()) / 1'000'000; };
  // Idle for well over the interval, the heartbeat keeps moving.
  uint64_t first = w.slot().hot.heartbeat_ns.load();
  ASSERT_TRUE(eventually([&] { return w.slot().hot.heartbeat_ns.load() > first + 250'000'000; }));
  EXPECT_LT(age_ms(), 350u);
  // A handler spinning the CPU for 1.5 s does not touch it: that is what timeout detects.
  auto response = std::async(std::launch::async, [&] { return get(w.port(), "/cpu/1500"); });
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  EXPECT_TRUE(eventually([&] { return age_ms() >= 800; }, 3000));
  EXPECT_EQ(status_of(response.get()), 200);
  EXPECT_TRUE(eventually([&] { return age_ms() < 300; }));
}

TEST(SyncWorker, NoMetricsServesWithoutCounting) {
  WorkerOptions o = quick_options();
  o.metrics = false;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  EXPECT_EQ(status_of(get(w.port(), "/")), 200);
  EXPECT_EQ(status_of(get(w.port(), "/error")), 500);
  WorkerSnapshot s = w.snapshot();
  EXPECT_EQ(s.requests, 0u);
  EXPECT_TRUE(s.label_sets.empty());
  EXPECT_EQ(s.state, WorkerState::running);
}

TEST(SyncWorker, CrashAbortsWithoutRecordingAnExitWhenAllowed) {
  WorkerOptions o = quick_options();
  o.allow_crash = true;
  rlimit no_core{0, 0};  // the child inherits it: no core file for an intended crash
  setrlimit(RLIMIT_CORE, &no_core);
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  EXPECT_EQ(get(w.port(), "/crash"), "");
  int status = w.child().wait_exit();
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
  EXPECT_FALSE(recorded_exit(w.slot().hot).has_value());  // the master attributes "crash"
}

}  // namespace
}  // namespace wpm::test
