// The eventlet and gevent workers as real processes on a loopback socket: serving, exact
// accounting, keep-alive, concurrency on one thread, the blocked loop, the connection cap,
// malformed input and slow clients. Instantiated per class in eventlet_worker_test.cc and
// gevent_worker_test.cc; the signal and lifecycle tests are in async_worker_signals_test.cc.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "tests/unit/workers/async_test_client.h"

namespace wpm::test {
namespace {


TEST_P(AsyncWorker, ServesRoutesOverOneKeepAliveConnectionWithExactAccounting) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.valid());
  const std::string requests[] = {
      "GET / HTTP/1.1\r\nHost: t\r\n\r\n",
      "GET /status/418 HTTP/1.1\r\n\r\n",
      "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
      "GET /bytes/100000 HTTP/1.1\r\n\r\n",
      "HEAD /bytes/10 HTTP/1.1\r\n\r\n",
      "GET /missing HTTP/1.1\r\n\r\n",
      "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
  };
  const int expected_status[] = {200, 418, 200, 200, 200, 404, 200};
  uint64_t sent = 0, received = 0;
  for (size_t i = 0; i < std::size(requests); ++i) {
    ASSERT_TRUE(c.send(requests[i]));
    std::optional<Response> r = c.read(/*head_request=*/i == 4);
    ASSERT_TRUE(r) << requests[i];
    EXPECT_EQ(r->status, expected_status[i]) << requests[i];
    EXPECT_TRUE(r->keep_alive) << requests[i];
    sent += requests[i].size();
    received += r->wire_bytes;
    const char* expected_body[] = {"OK\n", nullptr, "hello", nullptr, "", nullptr, "abc"};
    if (expected_body[i] != nullptr) {
      EXPECT_EQ(r->body, expected_body[i]) << requests[i];
    }
    EXPECT_EQ(r->body.size(), i == 3 ? 100000u : r->body.size());
  }
  WorkerSnapshot s = aio::settled(w, std::size(requests));
  EXPECT_EQ(s.requests, std::size(requests));
  EXPECT_EQ(s.duration.count(), std::size(requests));
  EXPECT_DOUBLE_EQ(s.request_size.sum, static_cast<double>(sent));
  EXPECT_DOUBLE_EQ(s.response_size.sum, static_cast<double>(received));
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_TRUE(s.label_sets.empty());
}

TEST_P(AsyncWorker, AHundredRequestsReuseOneConnectionAndPipelinedOnesAreAnsweredInOrder) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  for (int i = 0; i < 100; ++i) {
    std::optional<Response> r = c.get("/status/" + std::to_string(200 + i % 3));
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200 + i % 3);
    EXPECT_TRUE(r->keep_alive);
  }
  std::string burst;
  for (int i = 0; i < 10; ++i) burst += get_request("/status/" + std::to_string(201 + i));
  ASSERT_TRUE(c.send(burst));
  for (int i = 0; i < 10; ++i) {
    std::optional<Response> r = c.read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 201 + i);
  }
  EXPECT_EQ(aio::settled(w, 110u).requests, 110u);
}

TEST_P(AsyncWorker, FiftyConcurrentSleepsOnOneThreadTakeAboutOneSleep) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  std::vector<Client> clients;
  for (int i = 0; i < 50; ++i) clients.emplace_back(w.port());
  uint64_t start = monotonic_ns();
  for (Client& c : clients) ASSERT_TRUE(c.send(get_request("/sleep/200")));
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 50; }, 3000));
  EXPECT_EQ(aio::proc_status_value(w.pid(), "Threads"), 1u);  // one thread holds all 50
  for (Client& c : clients) {
    std::optional<Response> r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  uint64_t elapsed = ms_since(start);
  EXPECT_GE(elapsed, 190u);
  EXPECT_LT(elapsed, 1500u);  // sequentially it would be 50 × 200 ms = 10 s
  EXPECT_EQ(aio::settled(w, 50u).requests, 50u);
}

TEST_P(AsyncWorker, ACpuBoundHandlerBlocksTheLoopAndTheHeartbeatShowsIt) {
  WorkerOptions o = options();
  o.timeout_s = 0.4;  // heartbeat every 100 ms
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  auto age_ms = [&] { return (monotonic_ns() - w.slot().hot.heartbeat_ns.load()) / 1'000'000; };
  uint64_t first = w.slot().hot.heartbeat_ns.load();
  ASSERT_TRUE(eventually([&] { return w.slot().hot.heartbeat_ns.load() > first + 250'000'000; }));
  EXPECT_LT(age_ms(), 350u);  // idle, the loop keeps it fresh
  Client spinner(w.port());
  ASSERT_TRUE(spinner.send(get_request("/cpu/1500")));
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  uint64_t start = monotonic_ns();
  Client other(w.port());  // cooperative scheduling: nobody else runs meanwhile
  ASSERT_TRUE(other.send(get_request("/")));
  EXPECT_TRUE(eventually([&] { return age_ms() >= 800; }, 3000));
  std::optional<Response> r = other.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(ms_since(start), 700u);
  std::optional<Response> spun = spinner.read();
  ASSERT_TRUE(spun);
  EXPECT_EQ(spun->status, 200);
  EXPECT_TRUE(eventually([&] { return age_ms() < 300; }));
}

TEST_P(AsyncWorker, WorkerConnectionsCapsAcceptedConnections) {
  WorkerOptions o = options();
  o.worker_connections = 2;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  Client first(w.port());
  std::optional<Response> r = first.get("/");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->keep_alive);  // 1 of 2: keep-alive allowed
  size_t fds = open_fd_count(w.pid());
  Client second(w.port());
  ASSERT_TRUE(eventually([&] { return open_fd_count(w.pid()) == fds + 1; }));  // accepted
  Client third(w.port());  // completes in the kernel's backlog, never accepted at the cap
  ASSERT_TRUE(third.send(get_request("/status/202")));
  EXPECT_TRUE(third.silent_for(400));
  EXPECT_EQ(open_fd_count(w.pid()), fds + 1);
  second.close();  // one slot frees up: the third connection gets in
  std::optional<Response> late = third.read();
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 202);
  EXPECT_FALSE(late->keep_alive);  // at the cap again (first + third): no keep-alive
  EXPECT_EQ(aio::settled(w, 2u).requests, 2u);
}

TEST_P(AsyncWorker, MalformedInputGets400OnlyThatConnectionCloses) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.send(get_request("/") + "THIS IS NOT HTTP\r\n\r\n"));
  std::optional<Response> good = c.read();
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  EXPECT_TRUE(good->keep_alive);
  std::optional<Response> bad = c.read();
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->head.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer(2000));
  Client big(w.port());
  ASSERT_TRUE(big.send("GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n"));
  std::optional<Response> r431 = big.read();
  ASSERT_TRUE(r431);
  EXPECT_EQ(r431->status, 431);
  Client line(w.port());
  ASSERT_TRUE(line.send("GET /" + std::string(5000, 'a') + " HTTP/1.1\r\n\r\n"));
  std::optional<Response> r400 = line.read();
  ASSERT_TRUE(r400);
  EXPECT_EQ(r400->status, 400);
  Client after(w.port());
  std::optional<Response> ok = after.get("/");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  WorkerSnapshot s = aio::settled(w, 5);
  EXPECT_EQ(s.requests, 5u);
  EXPECT_NE(label_index(s, "InvalidHTTPVersion"), SIZE_MAX);
  EXPECT_NE(label_index(s, "LimitRequestHeaders"), SIZE_MAX);
  EXPECT_NE(label_index(s, "LimitRequestLine"), SIZE_MAX);
  EXPECT_EQ(w.child().wait_exit(10), -1);  // alive
}

TEST_P(AsyncWorker, ErrorRouteIs500AndClosesTheConnection) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  std::optional<Response> r = c.get("/error");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c.closed_by_peer(2000));
  WorkerSnapshot s = aio::settled(w, 1);
  EXPECT_EQ(s.requests, 1u);
  size_t i = label_index(s, "RuntimeError");
  ASSERT_NE(i, SIZE_MAX);
  EXPECT_EQ(s.label_sets[i].failed, 1u);
  EXPECT_EQ(s.label_sets[i].errors, 1u);
}

// Three clients trickle a request one byte every 100–200 ms; meanwhile every other request
// is answered at once.
TEST_P(AsyncWorker, SlowlorisClientsDoNotStallOtherConnections) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  const std::string slow_request = "GET /status/201 HTTP/1.1\r\nHost: slow\r\n\r\n";
  size_t fds = open_fd_count(w.pid());
  std::atomic<bool> trickling{true};
  std::vector<std::future<int>> slow;
  for (int k = 0; k < 3; ++k) {
    slow.push_back(std::async(std::launch::async, [&, k] {
      Client c(w.port());
      size_t i = 0;
      for (; i < 12; ++i) {  // ~1.8 s of trickling
        if (!c.send(std::string_view(&slow_request[i], 1))) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + 50 * k));
      }
      trickling = false;
      if (!c.send(std::string_view(slow_request).substr(i))) return -1;
      std::optional<Response> r = c.read();
      return r ? r->status : -1;
    }));
  }
  ASSERT_TRUE(eventually([&] { return open_fd_count(w.pid()) >= fds + 3; }));
  Client fast(w.port());
  uint64_t worst_ms = 0;
  int served = 0;
  while (trickling) {
    uint64_t start = monotonic_ns();
    std::optional<Response> r = fast.get("/");
    ASSERT_TRUE(r);
    worst_ms = std::max(worst_ms, ms_since(start));
    ++served;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& f : slow) EXPECT_EQ(f.get(), 201);
  EXPECT_GE(served, 20);
  EXPECT_LT(worst_ms, 250u);
  uint64_t total = static_cast<uint64_t>(served) + 3;
  EXPECT_EQ(aio::settled(w, total).requests, total);
}

TEST_P(AsyncWorker, AStalledRequestIsDroppedAfterTheIoTimeout) {
  WorkerOptions o = options();
  o.timeout_s = 1;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  Client stalled(w.port());
  ASSERT_TRUE(stalled.send("GET / HT"));
  uint64_t start = monotonic_ns();
  Client other(w.port());
  std::optional<Response> r = other.get("/");  // served while the other one stalls
  ASSERT_TRUE(r);
  EXPECT_LT(ms_since(start), 500u);
  EXPECT_TRUE(stalled.closed_by_peer(5000));
  EXPECT_GE(ms_since(start), 900u);
  EXPECT_EQ(aio::settled(w, 1u).requests, 1u);
}

TEST_P(AsyncWorker, AnIdleKeepAliveConnectionIsClosedAfterKeepalive) {
  WorkerOptions o = options();
  o.keepalive_s = 0.3;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.get("/"));
  uint64_t start = monotonic_ns();
  EXPECT_TRUE(c.closed_by_peer(3000));
  EXPECT_GE(ms_since(start), 250u);
}

TEST_P(AsyncWorker, ExpectContinueGetsA100BeforeTheBody) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  std::optional<Response> interim = c.read(/*head_request=*/true);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->head, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.send("body"));
  std::optional<Response> r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "body");
}

TEST_P(AsyncWorker, LargeBodiesGoBothWays) {
  WorkerProcess w(options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  std::string body(1 << 20, 'x');
  for (size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + i % 26);
  auto writer = std::async(std::launch::async, [&] {
    return c.send("POST /echo HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\n\r\n" + body);
  });
  std::optional<Response> r = c.read();
  ASSERT_TRUE(writer.get());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, body);
  std::optional<Response> big = c.get("/bytes/8000000");  // larger than the socket buffer
  ASSERT_TRUE(big);
  EXPECT_EQ(big->body.size(), 8000000u);
}

TEST_P(AsyncWorker, AThousandConnectionsAreHeldAndServed) {
  WorkerOptions o = options();
  o.worker_connections = 2000;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  size_t fds = open_fd_count(w.pid());
  std::vector<Client> clients;
  for (int i = 0; i < 1000; ++i) {
    clients.emplace_back(w.port());
    ASSERT_TRUE(clients.back().valid()) << i;
    // The harness listens with a backlog of 64: let the worker take each batch, or a busy
    // machine turns the overflow into one-second SYN retransmits.
    if (i % 50 == 49) {
      ASSERT_TRUE(eventually([&] { return open_fd_count(w.pid()) >= fds + i + 1; }, 10000));
    }
  }
  for (Client& c : clients) ASSERT_TRUE(c.send(get_request("/")));
  for (Client& c : clients) {
    std::optional<Response> r = c.read();
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->keep_alive);
  }
  EXPECT_EQ(aio::settled(w, 1000u).requests, 1000u);
}

TEST_P(AsyncWorker, RaisesItsOpenFileLimitToFitItsConnectionCap) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_max, 256);  // inherited by the worker
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  WorkerProcess w(options());
  setrlimit(RLIMIT_NOFILE, &saved);
  ASSERT_TRUE(w.wait_running());
  ASSERT_TRUE(Client(w.port()).get("/"));  // the limit is raised before serving
  rlimit seen{};
  ASSERT_EQ(prlimit(w.pid(), RLIMIT_NOFILE, nullptr, &seen), 0);
  // worker_connections + 64 (the listen socket, epoll, eventfds, logs), within the hard limit.
  rlim_t want = static_cast<rlim_t>(options().worker_connections) + 64;
  EXPECT_EQ(seen.rlim_cur, std::max<rlim_t>(low.rlim_cur, std::min(want, saved.rlim_max)));
}

}  // namespace
}  // namespace wpm::test
