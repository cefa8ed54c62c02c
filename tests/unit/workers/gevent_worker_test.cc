// The gevent worker: the shared async suite (async_worker_test.cc,
// async_worker_signals_test.cc) plus what is particular to stackful green threads.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/workers/async_test_client.h"

namespace wpm::test {
namespace {

INSTANTIATE_TEST_SUITE_P(Gevent, AsyncWorker, ::testing::Values(WorkerClass::gevent));

// Green threads are pooled per request in hand, not per connection: after 200 concurrent
// slow requests and a return to idle, the worker still serves from the pool and keeps
// one thread.
TEST(GeventWorker, ManyConcurrentGreenThreadsComeAndGo) {
  WorkerOptions o = aio::async_options(WorkerClass::gevent);
  WorkerProcess w(o);
  ASSERT_TRUE(w.wait_running());
  for (int round = 0; round < 2; ++round) {
    std::vector<Client> clients;
    for (int i = 0; i < 200; ++i) clients.emplace_back(w.port());
    uint64_t start = monotonic_ns();
    for (Client& c : clients) ASSERT_TRUE(c.send(get_request("/sleep/300")));
    for (Client& c : clients) {
      std::optional<Response> r = c.read();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
    }
    EXPECT_LT(ms_since(start), 2000u) << round;
  }
  EXPECT_EQ(aio::proc_status_value(w.pid(), "Threads"), 1u);
  EXPECT_EQ(aio::settled(w, 400u).requests, 400u);
}

// A green thread's stack is fixed: the deepest path we have (a chunked /echo of many
// chunks, the error path, logging) must fit, and the guard page would turn an overflow
// into a crash rather than corruption.
TEST(GeventWorker, DeepRequestPathsFitTheGreenThreadStack) {
  WorkerProcess w(aio::async_options(WorkerClass::gevent));
  ASSERT_TRUE(w.wait_running());
  Client c(w.port());
  std::string chunked = "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    chunked += "5\r\nabcde\r\n";
    expected += "abcde";
  }
  chunked += "0\r\n\r\n";
  ASSERT_TRUE(c.send(chunked));
  std::optional<Response> r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, expected);
  std::optional<Response> e = c.get("/error");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 500);
  EXPECT_EQ(w.child().wait_exit(10), -1);
}

}  // namespace
}  // namespace wpm::test
