#include "supervisor/metrics_server.h"

#include <gtest/gtest.h>

#include <atomic>

#include "core/exposition.h"
#include "core/metric_table.h"
#include "core/slot_ops.h"
#include "core/snapshot.h"
#include "supervisor/listen_socket.h"
#include "test_support.h"

namespace wpm::supervisor {
namespace {

using test::http_get;

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

}  // namespace
}  // namespace wpm::supervisor
