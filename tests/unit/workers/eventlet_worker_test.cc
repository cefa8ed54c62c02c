// The eventlet worker: the shared async suite (async_worker_test.cc,
// async_worker_signals_test.cc) plus what is particular to stackless coroutines.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/workers/async_test_client.h"

namespace wpm::test {
namespace {

INSTANTIATE_TEST_SUITE_P(Eventlet, AsyncWorker, ::testing::Values(WorkerClass::eventlet));

// io_ms yields (eventlet's green sleep) while cpu_ms runs on the loop: 20 requests of
// /load?cpu_ms=5&io_ms=300 take about 300 ms + 20 × 5 ms, not 20 × 305 ms.
TEST(EventletWorker, IoPartsOverlapWhileCpuPartsSerialize) {
  WorkerProcess w(aio::async_options(WorkerClass::eventlet));
  ASSERT_TRUE(w.wait_running());
  std::vector<Client> clients;
  for (int i = 0; i < 20; ++i) clients.emplace_back(w.port());
  uint64_t start = monotonic_ns();
  for (Client& c : clients) ASSERT_TRUE(c.send(get_request("/load?cpu_ms=5&io_ms=300")));
  for (Client& c : clients) {
    std::optional<Response> r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  uint64_t elapsed = ms_since(start);
  EXPECT_GE(elapsed, 390u);   // 300 ms wait + 20 × 5 ms of spinning, one after another
  EXPECT_LT(elapsed, 1500u);  // far below 20 × 305 ms
  EXPECT_EQ(aio::settled(w, 20u).requests, 20u);
}

}  // namespace
}  // namespace wpm::test
