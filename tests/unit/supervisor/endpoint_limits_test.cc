// The metrics endpoint's defences: a whole-request deadline, idle timeouts, the connection cap
// (oldest idle shed first), and the bounds on what clients that never read can hold.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "raw_http.h"
#include "supervisor/metrics_server.h"

namespace wpm::supervisor {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::RawConn;

std::unique_ptr<MetricsServer> start_server(const EndpointLimits& limits,
                                            std::function<std::string()> page = [] {
                                              return std::string("x 1\n");
                                            }) {
  Result<std::unique_ptr<MetricsServer>> server =
      MetricsServer::start({"127.0.0.1", 0}, {std::move(page), [] { return true; }}, limits);
  if (!server) std::abort();
  return std::move(*server);
}

int status_of(const std::optional<test::HttpReply>& reply) { return reply ? reply->status : 0; }
int status_of(RawConn& conn) { return status_of(conn.request("GET", "/healthz")); }

// One byte every 50 ms never lets a per-byte timeout fire; the whole-request deadline does.
TEST(EndpointLimits, ATricklingClientIsCutAtTheWholeRequestDeadline) {
  EndpointLimits limits;
  limits.request_deadline = 400ms;
  std::unique_ptr<MetricsServer> server = start_server(limits);
  uint16_t port = server->address().port;

  RawConn slow(port);
  auto first_byte = Clock::now();
  ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\nX-Slow: "));
  int trickled = 0;
  while (!slow.closed_within(50ms)) {
    ASSERT_LT(Clock::now() - first_byte, 3s) << "still open after " << trickled << " bytes";
    slow.send("z");
    ++trickled;
  }
  auto cut = Clock::now() - first_byte;
  EXPECT_GE(cut, 400ms);
  EXPECT_LT(cut, 1400ms);
  EXPECT_GE(trickled, 5);
  EXPECT_EQ(slow.read_until_close(1s).rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u);

  // A request that arrives in pieces but whole within the deadline is served.
  RawConn steady(port);
  ASSERT_TRUE(steady.send("GET /healthz HTTP/1.1\r\n"));
  ASSERT_TRUE(steady.send("Host: t\r\n"));
  EXPECT_EQ(status_of(steady.exchange("\r\n")), 200);
}

TEST(EndpointLimits, IdleConnectionsCloseAfterTheIdleTimeout) {
  EndpointLimits limits;
  limits.idle_timeout = 300ms;
  std::unique_ptr<MetricsServer> server = start_server(limits);
  RawConn silent(server->address().port);
  RawConn used(server->address().port);
  ASSERT_EQ(status_of(used), 200);
  auto idle_from = Clock::now();
  EXPECT_TRUE(used.closed_within(3s));
  EXPECT_GE(Clock::now() - idle_from, 300ms);
  EXPECT_TRUE(silent.closed_within(3s));
}

TEST(EndpointLimits, AtTheCapTheOldestIdleConnectionIsShedFirst) {
  EndpointLimits limits;
  limits.max_connections = 4;
  std::unique_ptr<MetricsServer> server = start_server(limits);
  uint16_t port = server->address().port;
  ASSERT_EQ(server->max_connections(), 4u);

  RawConn begun(port);  // the oldest connection, in the middle of a request
  ASSERT_TRUE(begun.send("GET /healthz HTTP/1.1\r\n"));
  std::vector<std::unique_ptr<RawConn>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<RawConn>(port));
    ASSERT_EQ(status_of(*idle.back()), 200);
  }
  RawConn fifth(port);
  ASSERT_EQ(status_of(fifth), 200);
  EXPECT_TRUE(idle[0]->closed_within(2s));
  RawConn sixth(port);
  ASSERT_EQ(status_of(sixth), 200);
  EXPECT_TRUE(idle[1]->closed_within(2s));
  EXPECT_EQ(status_of(*idle[2]), 200);
  // The begun request outlived every idle connection older than the newcomers.
  EXPECT_EQ(status_of(begun.exchange("Host: t\r\n\r\n")), 200);
}

TEST(EndpointLimits, WithNoIdleConnectionTheOldestBegunRequestIsShed) {
  EndpointLimits limits;
  limits.max_connections = 3;
  std::unique_ptr<MetricsServer> server = start_server(limits);
  uint16_t port = server->address().port;
  std::vector<std::unique_ptr<RawConn>> begun;
  for (int i = 0; i < 3; ++i) {
    begun.push_back(std::make_unique<RawConn>(port));
    ASSERT_TRUE(begun.back()->send("GET /healthz HTTP/1.1\r\n"));
  }
  RawConn probe(port);
  ASSERT_EQ(status_of(probe), 200);
  EXPECT_TRUE(begun[0]->closed_within(2s));
  EXPECT_EQ(status_of(begun[1]->exchange("\r\n")), 200);
}

// A 32 MiB page to a client that never reads: the others are answered at once, a second such
// page would pass the output budget (503), and the first is cut at the write deadline.
TEST(EndpointLimits, AClientNotReadingALargePageHoldsNoOneUp) {
  EndpointLimits limits;
  limits.write_deadline = 1s;
  limits.max_pending_output = size_t{48} << 20;
  const size_t page = size_t{32} << 20;
  std::unique_ptr<MetricsServer> server =
      start_server(limits, [page] { return std::string(page, '#'); });
  uint16_t port = server->address().port;

  RawConn hog(port);
  auto asked = Clock::now();
  ASSERT_TRUE(hog.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(hog.readable_within(10s));  // rendered, and being sent: the probes time only that
  RawConn other(port);
  for (int i = 0; i < 20; ++i) {
    auto start = Clock::now();
    ASSERT_EQ(status_of(other), 200);
    EXPECT_LT(Clock::now() - start, 100ms) << "probe " << i;
  }
  RawConn second(port);
  std::optional<test::HttpReply> refused = second.request("GET", "/metrics");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(test::header_value(refused->headers, "retry-after"), "1");

  // The hog is cut at its write deadline, which gives its share of the budget back.
  std::optional<test::HttpReply> whole;
  ASSERT_TRUE(test::eventually(
      [&] {
        RawConn reader(port);
        whole = reader.request("GET", "/metrics");
        return whole && whole->status == 200;
      },
      10s));
  EXPECT_GE(Clock::now() - asked, 1s);
  EXPECT_EQ(whole->body.size(), page);
  std::string got = hog.read_until_close(10s);
  EXPECT_LT(got.size(), page) << "the page should have been cut";
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

}  // namespace
}  // namespace wpm::supervisor
