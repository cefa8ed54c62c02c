#include "supervisor/metrics_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/exposition.h"
#include "core/metric_table.h"
#include "core/slot_ops.h"
#include "core/snapshot.h"
#include "supervisor/listen_socket.h"
#include "raw_http.h"
#include "test_support.h"

namespace wpm::supervisor {
namespace {

using test::http_get;
using test::RawConn;
using namespace std::chrono_literals;

// A server rendering a real segment of `workers` claimed slots.
struct PoolEndpoint {
  explicit PoolEndpoint(uint32_t workers) : seg(Segment::create(workers)) {
    if (!seg) std::abort();
    for (uint32_t i = 0; i < workers; ++i) claim_slot(seg->slot(i), i, i + 1, 4242);
    MetricsHandlers handlers{[this] { return render_prometheus(take_snapshot(*seg), "wpmtest"); },
                             [] { return true; }};
    Result<std::unique_ptr<MetricsServer>> started =
        MetricsServer::start({"127.0.0.1", 0}, std::move(handlers));
    if (!started) std::abort();
    server = std::move(*started);
  }
  uint16_t port() const { return server->address().port; }
  Result<Segment> seg;
  std::unique_ptr<MetricsServer> server;
};

// `reply` has `status` and says Connection: close, and the server then closes.
testing::AssertionResult answered_then_closed(RawConn& conn,
                                              const std::optional<test::HttpReply>& reply,
                                              int status) {
  if (!reply) return testing::AssertionFailure() << "no response";
  if (reply->status != status) return testing::AssertionFailure() << "status " << reply->status;
  if (test::header_value(reply->headers, "connection") != "close")
    return testing::AssertionFailure() << "no Connection: close in " << reply->headers;
  if (!conn.closed_within(2s)) return testing::AssertionFailure() << "still open";
  return testing::AssertionSuccess();
}

TEST(MetricsServer, ServesTheSegmentRenderOnPortZero) {
  Result<Segment> seg = Segment::create(2);
  ASSERT_TRUE(seg.ok());
  claim_slot(seg->slot(0), 0, 1, 4242);
  for (int i = 0; i < 7; ++i) record_request(seg->slot(0).hot, 1000, 100, 200);
  MetricsHandlers handlers{[&] { return render_prometheus(take_snapshot(*seg), "wpmtest"); },
                           [] { return true; }};
  Result<std::unique_ptr<MetricsServer>> server =
      MetricsServer::start({"127.0.0.1", 0}, std::move(handlers));
  ASSERT_TRUE(server.ok()) << server.error().message;
  uint16_t port = (*server)->address().port;
  ASSERT_NE(port, 0);
  std::optional<test::HttpReply> reply = http_get("127.0.0.1", port, "/metrics");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_NE(reply->headers.find(std::string(kTextContentType)), std::string::npos)
      << reply->headers;
  std::string requests = metric_name(MetricId::worker_requests, "wpmtest");
  EXPECT_EQ(test::sum_samples(reply->body, requests), 7);
  EXPECT_EQ(http_get("127.0.0.1", port, "/nope")->status, 404);
  (*server)->stop();
  (*server)->stop();  // idempotent
  EXPECT_FALSE(http_get("127.0.0.1", port, "/metrics").has_value());
}

TEST(MetricsServer, HealthzFollowsThePool) {
  std::atomic<bool> healthy{false};
  MetricsHandlers handlers{[] { return std::string(); }, [&] { return healthy.load(); }};
  Result<std::unique_ptr<MetricsServer>> server =
      MetricsServer::start({"127.0.0.1", 0}, std::move(handlers));
  ASSERT_TRUE(server.ok()) << server.error().message;
  uint16_t port = (*server)->address().port;
  EXPECT_EQ(http_get("127.0.0.1", port, "/healthz")->status, 503);
  healthy = true;
  std::optional<test::HttpReply> ok = http_get("127.0.0.1", port, "/healthz");
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "ok\n");
}

TEST(MetricsServer, TakenPortIsAClearError) {
  Result<ListenSocket> taken = open_listen_socket({"127.0.0.1", 0}, 4, false);
  ASSERT_TRUE(taken.ok());
  MetricsHandlers handlers{[] { return std::string(); }, [] { return true; }};
  Result<std::unique_ptr<MetricsServer>> server =
      MetricsServer::start(taken->address, std::move(handlers));
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().message,
            "cannot bind " + taken->address.str() + ": Address already in use");
}

// httplib's default SO_REUSEPORT would let two endpoints share a port silently.
TEST(MetricsServer, SecondEndpointOnTheSamePortFails) {
  MetricsHandlers h1{[] { return std::string(); }, [] { return true; }};
  Result<std::unique_ptr<MetricsServer>> first = MetricsServer::start({"127.0.0.1", 0}, h1);
  ASSERT_TRUE(first.ok());
  Result<std::unique_ptr<MetricsServer>> second =
      MetricsServer::start((*first)->address(), h1);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("Address already in use"), std::string::npos);
}

// Prometheus, health checkers and the bench's timeline scraper reuse connections: a response
// that leaves in two writes with Nagle on waits for the client's delayed ACK (~40 ms) on EVERY
// reused request. A series of 50 passes when none takes over 5 ms; a busy machine can delay
// one render now and then, so up to five series are tried — a stalling server fails them all.
std::chrono::duration<double, std::milli> slowest_of_fifty(RawConn& conn, const char* path) {
  std::chrono::duration<double, std::milli> slowest{0};
  for (int i = 0; i < 50; ++i) {
    auto start = std::chrono::steady_clock::now();
    std::optional<test::HttpReply> reply = conn.request("GET", path);
    auto took = std::chrono::steady_clock::now() - start;
    if (!reply.has_value() || reply->status != 200) {
      ADD_FAILURE() << path << " request " << i << ": no 200 response";
      return std::chrono::hours(1);
    }
    slowest = std::max(slowest, std::chrono::duration<double, std::milli>(took));
  }
  return slowest;
}

TEST(MetricsServer, FiftyKeepAliveRequestsNeverStall) {
  PoolEndpoint pool(2);
  RawConn conn(pool.port());
  ASSERT_TRUE(conn.valid());
  // The connection's first requests are not timed: they pay this process's first render
  // (page faults, lazy binding, sanitizer shadow), which a scrape of a running master never does.
  for (const char* path : {"/metrics", "/healthz"}) ASSERT_EQ(conn.request("GET", path)->status, 200);
  for (const char* path : {"/metrics", "/healthz"}) {
    std::vector<double> series_ms;
    while (series_ms.size() < 5) {
      series_ms.push_back(slowest_of_fifty(conn, path).count());
      if (series_ms.back() < 5) break;
    }
    std::string seen;
    for (double ms : series_ms) seen += std::to_string(ms) + " ms ";
    EXPECT_LT(series_ms.back(), 5) << path << ": the slowest of 50 reused-connection requests, "
                                   << "per series: " << seen;
  }
}

TEST(MetricsServer, HeadSendsTheLengthOfGetWithoutTheBody) {
  MetricsHandlers handlers{[] { return std::string(1000, '#'); }, [] { return true; }};
  Result<std::unique_ptr<MetricsServer>> server =
      MetricsServer::start({"127.0.0.1", 0}, std::move(handlers));
  ASSERT_TRUE(server.ok());
  RawConn conn((*server)->address().port);
  std::optional<test::HttpReply> get = conn.request("GET", "/metrics");
  std::optional<test::HttpReply> head = conn.request("HEAD", "/metrics");
  ASSERT_TRUE(get && head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(test::header_value(head->headers, "content-length"), std::to_string(get->body.size()));
  EXPECT_EQ(test::header_value(head->headers, "content-type"), kTextContentType);
  // Nothing of a body followed the head: the next response on the connection parses.
  std::optional<test::HttpReply> health = conn.request("HEAD", "/healthz");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(test::header_value(health->headers, "content-length"), "3");
  EXPECT_EQ(conn.request("GET", "/healthz")->body, "ok\n");
}

TEST(MetricsServer, OtherMethodsGet405WithAllow) {
  PoolEndpoint pool(1);
  RawConn conn(pool.port());
  std::optional<test::HttpReply> del = conn.request("DELETE", "/metrics");
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->status, 405);
  EXPECT_EQ(test::header_value(del->headers, "allow"), "GET, HEAD");
  EXPECT_EQ(conn.request("GET", "/nope")->status, 404);  // still open: no body was announced
  // A body is never read, so its connection is answered and closed.
  EXPECT_TRUE(answered_then_closed(
      conn, conn.request("POST", "/healthz", "Content-Length: 5\r\n\r\nhello"), 405));
}

TEST(MetricsServer, Http10ClosesUnlessAskedToKeepAlive) {
  PoolEndpoint pool(1);
  RawConn plain(pool.port());
  EXPECT_TRUE(answered_then_closed(plain, plain.exchange("GET /healthz HTTP/1.0\r\n\r\n"), 200));

  RawConn kept(pool.port());
  for (int i = 0; i < 3; ++i) {
    std::optional<test::HttpReply> r =
        kept.exchange("GET /healthz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    ASSERT_TRUE(r.has_value()) << "request " << i;
    EXPECT_EQ(test::header_value(r->headers, "connection"), "keep-alive");
  }
}

TEST(MetricsServer, ConnectionCloseIsHonoured) {
  PoolEndpoint pool(1);
  RawConn conn(pool.port());
  EXPECT_TRUE(
      answered_then_closed(conn, conn.request("GET", "/metrics", "Connection: close\r\n"), 200));
}

TEST(MetricsServer, PipelinedRequestsAreAnsweredInOrder) {
  PoolEndpoint pool(1);
  RawConn conn(pool.port());
  std::string batch;
  for (int i = 0; i < 12; ++i)  // more than one turn's worth for one connection
    batch += std::string("GET ") + (i % 3 == 0 ? "/nope" : i % 3 == 1 ? "/healthz" : "/metrics") +
             " HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(conn.send(batch));
  for (int i = 0; i < 12; ++i) {
    std::optional<test::HttpReply> r = conn.read_reply();
    ASSERT_TRUE(r.has_value()) << "response " << i;
    EXPECT_EQ(r->status, i % 3 == 0 ? 404 : 200) << "response " << i;
  }
}

struct BadRequest {
  std::string bytes;
  int status;
};

TEST(MetricsServer, BadRequestsGetTheirStatusAndAClose) {
  PoolEndpoint pool(1);
  std::string many_fields;
  for (int i = 0; i < 101; ++i) many_fields += "X-" + std::to_string(i) + ": v\r\n";
  const BadRequest cases[] = {
      {"GARBAGE\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1 extra\r\n\r\n", 400},
      {"GET metrics HTTP/1.1\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1\r\nNo colon here\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
      {"GET /metrics HTTP/2.0\r\n\r\n", 505},
      {"GET /" + std::string(5000, 'a') + " HTTP/1.1\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1\r\n" + many_fields + "\r\n", 431},
      {"GET /metrics HTTP/1.1\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n", 431},
      {"GET /metrics HTTP/1.1\r\nX-Endless: " + std::string(40000, 'b'), 431},
  };
  for (const BadRequest& bad : cases) {
    RawConn conn(pool.port());
    EXPECT_TRUE(answered_then_closed(conn, conn.exchange(bad.bytes), bad.status))
        << bad.bytes.substr(0, 60);
  }
}

TEST(MetricsServer, AThrowingRenderIsA500AndTheServerGoesOn) {
  std::atomic<bool> fail{true};
  MetricsHandlers handlers{[&]() -> std::string {
                             if (fail) throw std::runtime_error("render failed");
                             return "x 1\n";
                           },
                           [] { return true; }};
  Result<std::unique_ptr<MetricsServer>> server =
      MetricsServer::start({"127.0.0.1", 0}, std::move(handlers));
  ASSERT_TRUE(server.ok());
  RawConn conn((*server)->address().port);
  EXPECT_EQ(conn.request("GET", "/metrics")->status, 500);
  fail = false;
  EXPECT_EQ(conn.request("GET", "/metrics")->body, "x 1\n");
}

}  // namespace
}  // namespace wpm::supervisor
