// The thread worker as a real process on a loopback socket: keep-alive, pipelining, exact
// accounting, concurrency bounded by --threads, the --worker-connections cap, malformed and
// slow clients, and the progress heartbeat. (Signals: thread_worker_signals_test.cc.)
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <random>
#include <vector>

#include "tests/unit/workers/thread_test_client.h"

namespace wpm::test {
namespace {


TEST(ThreadWorker, ServesRoutesOverOneKeepAliveConnectionAndCountsExactBytes) {
  WorkerProcess w(thread_options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  const std::string requests[] = {
      get_request("/"),
      "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
      get_request("/bytes/100000"),
      "HEAD /bytes/10 HTTP/1.1\r\n\r\n",
      get_request("/missing"),
      get_request("/error"),  // a failed handler closes the connection
  };
  const int expected_status[] = {200, 200, 200, 200, 404, 500};
  uint64_t sent = 0, received = 0;
  for (size_t i = 0; i < std::size(requests); ++i) {
    ASSERT_TRUE(c.send(requests[i]));
    std::optional<Response> r = c.read(/*head_request=*/i == 3);
    ASSERT_TRUE(r) << requests[i];
    EXPECT_EQ(r->status, expected_status[i]) << requests[i];
    EXPECT_EQ(r->keep_alive, i + 1 < std::size(requests)) << requests[i];
    sent += requests[i].size();
    received += r->wire_bytes;
    if (i == 0) {
      EXPECT_EQ(r->body, "OK\n");
    } else if (i == 1) {
      EXPECT_EQ(r->body, "hello");
    } else if (i == 2) {
      EXPECT_EQ(r->body.size(), 100000u);
    }
  }
  EXPECT_TRUE(c.closed_by_peer(2000));
  WorkerSnapshot s = settled_snapshot(w);
  EXPECT_EQ(s.requests, std::size(requests));
  EXPECT_DOUBLE_EQ(s.request_size.sum, static_cast<double>(sent));
  EXPECT_DOUBLE_EQ(s.response_size.sum, static_cast<double>(received));
  EXPECT_EQ(s.in_flight, 0);
  ASSERT_EQ(s.label_sets.size(), 1u);
  EXPECT_EQ(s.label_sets[0].failed, 1u);
}

TEST(ThreadWorker, HundredRequestsReuseOneConnection) {
  WorkerProcess w(thread_options());
  ASSERT_TRUE(w.wait_running());
  size_t fds_before = settled_fd_count(w);
  Client c(w.port());
  for (int i = 0; i < 100; ++i) {
    std::optional<Response> r = c.get("/status/201");
    ASSERT_TRUE(r) << "request " << i;
    ASSERT_EQ(r->status, 201);
    ASSERT_TRUE(r->keep_alive);
  }
  EXPECT_EQ(open_fd_count(w.pid()), fds_before + 1);  // one accepted connection, still open
  EXPECT_EQ(settled_snapshot(w).requests, 101u);
}

TEST(ThreadWorker, PipelinedRequestsAreAnsweredInOrder) {
  WorkerProcess w(thread_options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  std::string batch;
  for (int i = 0; i < 20; ++i) batch += get_request("/status/" + std::to_string(200 + i));
  batch += get_request("/", /*close=*/true);
  ASSERT_TRUE(c.send(batch));
  for (int i = 0; i < 20; ++i) {
    std::optional<Response> r = c.read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200 + i);
  }
  std::optional<Response> last = c.read();
  ASSERT_TRUE(last);
  EXPECT_FALSE(last->keep_alive);
  EXPECT_TRUE(c.closed_by_peer(2000));
  EXPECT_EQ(settled_snapshot(w).requests, 21u);
}

TEST(ThreadWorker, ExactAccountingOverManyConcurrentConnections) {
  WorkerProcess w(thread_options());
  ASSERT_TRUE(w.wait_running());
  constexpr int kClients = 8, kEach = 40;
  std::atomic<uint64_t> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t)
    clients.emplace_back([&, t] {
      Client c(w.port());
      for (int i = 0; i < kEach; ++i) {
        // Every fourth client opens a new connection every 10 requests.
        if (t % 4 == 0 && i % 10 == 0) c = Client(w.port());
        std::optional<Response> r = c.get(i % 7 == 0 ? "/load?cpu_ms=1&io_ms=1" : "/");
        (r && r->status == 200 ? ok : failed).fetch_add(1);
      }
    });
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0u);
  EXPECT_EQ(ok.load(), uint64_t{kClients * kEach});
  WorkerSnapshot s = settled_snapshot(w);
  EXPECT_EQ(s.requests, ok.load());
  EXPECT_EQ(s.duration.count(), ok.load());
  EXPECT_EQ(s.in_flight, 0);
}

// Runs n concurrent GETs of target on n connections (all connected first); returns ms.
uint64_t concurrent_gets(uint16_t port, int n, const std::string& target, int& good) {
  std::vector<Client> clients;
  for (int i = 0; i < n; ++i) clients.emplace_back(port);
  uint64_t start = monotonic_ns();
  for (Client& c : clients) c.send(get_request(target));
  good = 0;
  for (Client& c : clients) {
    std::optional<Response> r = c.read();
    good += r && r->status == 200;
  }
  return ms_since(start);
}

TEST(ThreadWorker, ConcurrencyIsBoundedByThreads) {
  WorkerProcess w(thread_options(4));
  ASSERT_TRUE(w.wait_running());
  int good = 0;
  // Four sleeps run side by side on four threads: one round.
  uint64_t one_round = concurrent_gets(w.port(), 4, "/sleep/200", good);
  EXPECT_EQ(good, 4);
  EXPECT_GE(one_round, 200u);
  EXPECT_LT(one_round, 400u);
  // Eight need two rounds: the other four wait in the poller, not in a thread.
  std::atomic<int64_t> max_in_flight{0};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done.load()) {
      int64_t v = w.slot().hot.in_flight.load();
      if (v > max_in_flight.load()) max_in_flight.store(v);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  uint64_t two_rounds = concurrent_gets(w.port(), 8, "/sleep/200", good);
  done.store(true);
  sampler.join();
  EXPECT_EQ(good, 8);
  EXPECT_GE(two_rounds, 400u);
  EXPECT_LT(two_rounds, 800u);
  EXPECT_EQ(max_in_flight.load(), 4);
  EXPECT_EQ(settled_snapshot(w).requests, 12u);
}

TEST(ThreadWorker, WorkerConnectionsCapHoldsTheNextConnectionInTheBacklog) {
  WorkerOptions o = thread_options();
  o.worker_connections = 5;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  size_t base = settled_fd_count(w);
  std::vector<Client> held;
  for (int i = 0; i < 5; ++i) held.emplace_back(w.port());
  ASSERT_TRUE(eventually([&] { return open_fd_count(w.pid()) == base + 5; }));
  Client sixth(w.port());
  ASSERT_TRUE(sixth.send(get_request("/")));
  EXPECT_TRUE(sixth.silent_for(300));  // connected in the kernel's backlog, not accepted
  EXPECT_EQ(open_fd_count(w.pid()), base + 5);
  // At the cap a response gives its connection back (no keep-alive): the sixth gets in.
  std::optional<Response> r = held[0].get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(held[0].closed_by_peer(2000));
  std::optional<Response> sixth_response = sixth.read();
  ASSERT_TRUE(sixth_response);
  EXPECT_EQ(sixth_response->status, 200);
  EXPECT_FALSE(sixth_response->keep_alive);  // at the cap again
  EXPECT_TRUE(sixth.closed_by_peer(2000));
  // A silent connection fills the cap; a client closing an idle one lets the eighth in.
  Client seventh(w.port());
  ASSERT_TRUE(eventually([&] { return open_fd_count(w.pid()) == base + 5; }));
  Client eighth(w.port());
  ASSERT_TRUE(eighth.send(get_request("/")));
  EXPECT_TRUE(eighth.silent_for(300));
  held[1].close();
  std::optional<Response> eighth_response = eighth.read();
  ASSERT_TRUE(eighth_response);
  EXPECT_EQ(eighth_response->status, 200);
  EXPECT_EQ(settled_snapshot(w).requests, 4u);
}

TEST(ThreadWorker, MalformedInputGets400AndOtherConnectionsGoOn) {
  WorkerProcess w(thread_options());
  ASSERT_TRUE(w.wait_running());
  Client steady(w.port());
  ASSERT_TRUE(steady.get("/"));
  std::string bad = roundtrip(w.port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(status_of(bad), 400);
  EXPECT_NE(bad.find("Connection: close\r\n"), std::string::npos);
  std::string huge = "GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n";
  EXPECT_EQ(status_of(roundtrip(w.port(), huge)), 431);
  // A bad request after good ones on a keep-alive connection: answered, then closed.
  Client mixed(w.port());
  ASSERT_TRUE(mixed.send(get_request("/") + "GET / HTTP/9.9\r\n\r\n"));
  std::optional<Response> first = mixed.read();
  std::optional<Response> second = mixed.read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 505);
  EXPECT_TRUE(mixed.closed_by_peer(2000));
  std::optional<Response> again = steady.get("/");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(settled_snapshot(w).requests, 6u);
}

TEST(ThreadWorker, ASlowRequestTakesNoThread) {
  WorkerProcess w(thread_options(/*threads=*/1));
  ASSERT_TRUE(w.wait_running());
  const std::string slow_request = "GET /status/201 HTTP/1.1\r\nHost: slow\r\n\r\n";
  Client slow(w.port());
  std::future<void> trickle = std::async(std::launch::async, [&] {
    for (char ch : slow_request) {
      slow.send(std::string_view(&ch, 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
  });
  Client fast(w.port());
  uint64_t worst_ms = 0;
  uint64_t started = monotonic_ns();
  int served = 0;
  while (ms_since(started) < 500) {  // while the slow request trickles in
    uint64_t t = monotonic_ns();
    std::optional<Response> r = fast.get("/");
    ASSERT_TRUE(r);
    worst_ms = std::max(worst_ms, ms_since(t));
    ++served;
  }
  trickle.get();
  EXPECT_LT(worst_ms, 150u);  // never waited for the trickling request
  std::optional<Response> r = slow.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  WorkerSnapshot s = settled_snapshot(w);
  EXPECT_EQ(s.requests, static_cast<uint64_t>(served) + 1);
  EXPECT_DOUBLE_EQ(s.request_size.sum,
                   static_cast<double>(slow_request.size() + served * get_request("/").size()));
}

TEST(ThreadWorker, ASlowRequestInTheSameBatchDoesNotHoldUpAQuickOne) {
  WorkerProcess w(thread_options(/*threads=*/2));
  ASSERT_TRUE(w.wait_running());
  for (int round = 0; round < 3; ++round) {
    Client slow(w.port()), quick(w.port());
    ASSERT_TRUE(slow.get("/") && quick.get("/"));  // both accepted and idle
    // Both requests become ready together, so one thread's epoll batch usually holds both.
    ASSERT_TRUE(slow.send(get_request("/sleep/400")));
    uint64_t sent = monotonic_ns();
    ASSERT_TRUE(quick.send(get_request("/")));
    ASSERT_TRUE(quick.read());
    EXPECT_LT(ms_since(sent), 200u) << "round " << round;
    ASSERT_TRUE(slow.read());
  }
}

TEST(ThreadWorker, ASlowReaderBlocksOnlyItsOwnThread) {
  WorkerProcess w(thread_options(/*threads=*/2));
  ASSERT_TRUE(w.wait_running());
  Client reader(w.port()), other(w.port());
  ASSERT_TRUE(reader.send(get_request("/bytes/40000000")));  // far beyond the socket buffers
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let its write fill up
  EXPECT_EQ(w.slot().hot.in_flight.load(), 1);  // still writing: we have not read
  for (int i = 0; i < 20; ++i) {
    uint64_t t = monotonic_ns();
    std::optional<Response> r = other.get("/");
    ASSERT_TRUE(r);
    EXPECT_LT(ms_since(t), 150u);
  }
  std::optional<Response> big = reader.read();
  ASSERT_TRUE(big);
  EXPECT_EQ(big->body.size(), 40000000u);
  EXPECT_EQ(settled_snapshot(w).requests, 21u);
}

TEST(ThreadWorker, IdleKeepAliveConnectionsCloseAfterKeepalive) {
  WorkerOptions o = thread_options();
  o.keepalive_s = 0.3;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.get("/"));
  uint64_t idle_from = monotonic_ns();
  EXPECT_TRUE(c.closed_by_peer(3000));
  EXPECT_GE(ms_since(idle_from), 250u);
  EXPECT_LT(ms_since(idle_from), 1500u);
}

TEST(ThreadWorker, KeepaliveZeroClosesAfterEveryResponse) {
  WorkerOptions o = thread_options();
  o.keepalive_s = 0;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  std::optional<Response> r = c.get("/");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c.closed_by_peer(2000));
}

TEST(ThreadWorker, ExpectContinueGetsA100BeforeTheBody) {
  WorkerProcess w(thread_options());
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  std::optional<Response> cont = c.read(/*head_request=*/true);
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.send("body"));
  std::optional<Response> r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "body");
}

TEST(ThreadWorker, HeartbeatStaysFreshUntilEveryThreadIsStuck) {
  WorkerOptions o = thread_options(/*threads=*/2);
  o.timeout_s = 0.4;  // heartbeat every 100 ms
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  auto age_ms = [&] { return (monotonic_ns() - w.slot().hot.heartbeat_ns.load()) / 1'000'000; };
  // One thread spinning, one free: the pool makes progress, the heartbeat keeps moving.
  auto one = std::async(std::launch::async, [&] { return get_close(w.port(), "/cpu/1200"); });
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 1; }));
  uint64_t worst = 0;
  for (uint64_t t = monotonic_ns(); ms_since(t) < 800;) {
    worst = std::max(worst, age_ms());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_LT(worst, 500u);
  EXPECT_EQ(status_of(one.get()), 200);
  // Both threads spinning: the heartbeat stops at the younger request's start.
  auto a = std::async(std::launch::async, [&] { return get_close(w.port(), "/cpu/1500"); });
  auto b = std::async(std::launch::async, [&] { return get_close(w.port(), "/cpu/1500"); });
  ASSERT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 2; }));
  EXPECT_TRUE(eventually([&] { return age_ms() >= 800; }, 3000));
  EXPECT_EQ(status_of(a.get()), 200);
  EXPECT_EQ(status_of(b.get()), 200);
  EXPECT_TRUE(eventually([&] { return age_ms() < 300; }));
}

// Connections that idle right up to the keep-alive timeout race the sweeper against the
// handler threads; whatever the interleaving, every response the clients got is counted
// once and nothing else is.
TEST(ThreadWorker, KeepaliveRacesKeepTheAccountingExact) {
  WorkerOptions o = thread_options(3);
  o.keepalive_s = 0.02;
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  std::atomic<uint64_t> responses{0}, cut{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      std::minstd_rand rng(static_cast<unsigned>(t + 1));
      for (int i = 0; i < 40; ++i) {
        Client c(w.port());
        for (int k = 0; k < 3; ++k) {
          std::optional<Response> r = c.get("/");
          if (!r) {
            cut.fetch_add(1);  // closed by the server as idle just as we sent
            break;
          }
          responses.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
        }
      }
    });
  for (std::thread& t : clients) t.join();
  EXPECT_GT(responses.load(), 160u);
  RecordProperty("cut_by_keepalive", std::to_string(cut.load()));
  EXPECT_TRUE(eventually([&] { return w.slot().hot.in_flight.load() == 0; }));
  EXPECT_EQ(settled_snapshot(w).requests, responses.load());
  EXPECT_EQ(status_of(get_close(w.port(), "/")), 200);  // alive and well
}

}  // namespace
}  // namespace wpm::test
