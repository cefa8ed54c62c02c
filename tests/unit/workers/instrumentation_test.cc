// The mixin's hooks and the Exchange, checked through the same snapshot the master renders.
#include "workers/instrumentation.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/segment.h"
#include "core/snapshot.h"
#include "workers/exchange.h"

namespace wpm {
namespace {

class InstrumentationTest : public ::testing::TestWithParam<Writers> {
 protected:
  void SetUp() override {
    Result<Segment> s = Segment::create(2);
    ASSERT_TRUE(s.ok()) << s.error().message;
    segment_.emplace(std::move(s).value());
    claim_slot(slot(), 0, 1, 4242);
  }
  WorkerSlot& slot() { return segment_->slot(0); }
  WorkerSnapshot snap() { return snapshot_slot(slot(), monotonic_ns()); }

  // Runs one request through the Exchange the way a worker does; returns the response.
  std::string run(PrometheusMixin& metrics, const std::string& bytes) {
    http::RequestParser parser;
    Exchange ex(app_, metrics);
    if (parser.feed(bytes) == http::ParseStatus::error) {
      ex.begin_error(parser);
    } else {
      EXPECT_EQ(parser.status(), http::ParseStatus::complete);
      ex.begin(parser.request());
      if (!ex.failed()) ex.run_cpu_part();
      ex.respond(parser.request(), true);
    }
    std::string wire;
    while (!ex.all_sent()) {
      iovec iov[4];
      size_t n = ex.next_iov(iov, 4);
      size_t took = 0;
      for (size_t i = 0; i < n; ++i) {
        wire.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
        took += iov[i].iov_len;
      }
      ex.sent(took);
    }
    ex.finish();
    ex.finish();  // idempotent: a request is recorded once
    return wire;
  }

  std::optional<Segment> segment_;
  app::SyntheticApp app_;
};

// Sum of the lengths next_iov() offered.
uint64_t offered(const iovec* iov, size_t n) {
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) total += iov[i].iov_len;
  return total;
}

TEST_P(InstrumentationTest, ASmallResponseIsCountedBeforeItsFirstByteIsOffered) {
  PrometheusMixin metrics(slot(), true, GetParam());
  http::RequestParser parser;
  ASSERT_EQ(parser.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), http::ParseStatus::complete);
  Exchange ex(app_, metrics);
  ex.begin(parser.request());
  ex.respond(parser.request(), true);
  EXPECT_EQ(snap().requests, 0u);
  EXPECT_EQ(snap().in_flight, 1);
  iovec iov[4];
  size_t n = ex.next_iov(iov, 4);
  // Recorded before the kernel got a byte: whole response size, in_flight back to 0.
  EXPECT_EQ(offered(iov, n), ex.response().total_bytes());
  WorkerSnapshot s = snap();
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_DOUBLE_EQ(s.response_size.sum, static_cast<double>(ex.response().total_bytes()));
  ex.sent(offered(iov, n));  // (a process killed here: the server counted, the client may not)
  ex.finish();
  EXPECT_EQ(snap().requests, 1u);  // exactly once
}

TEST_P(InstrumentationTest, ALargeResponseIsCountedBeforeItsLastBytes) {
  PrometheusMixin metrics(slot(), true, GetParam());
  http::RequestParser parser;
  ASSERT_EQ(parser.feed("GET /bytes/1000000 HTTP/1.1\r\nHost: x\r\n\r\n"),
            http::ParseStatus::complete);
  Exchange ex(app_, metrics);
  ex.begin(parser.request());
  ex.respond(parser.request(), true);
  uint64_t total = ex.response().total_bytes();
  ASSERT_GT(total, 1'000'000u);
  // Writes of at most 100,000 bytes: uncounted while more than the window remains.
  while (ex.response().remaining() > Exchange::kCommitWindow) {
    EXPECT_EQ(snap().requests, 0u);
    iovec iov[8];
    size_t n = ex.next_iov(iov, 8);
    uint64_t len = offered(iov, n);
    ASSERT_GT(len, 0u);
    // Never the last byte before the count.
    if (snap().requests == 0) {
      EXPECT_LT(len, ex.response().remaining());
    }
    ex.sent(std::min<uint64_t>(len, 100'000));
  }
  iovec iov[8];
  size_t n = ex.next_iov(iov, 8);
  EXPECT_EQ(snap().requests, 1u);
  EXPECT_EQ(offered(iov, n), ex.response().remaining());
  ex.sent(offered(iov, n));
  EXPECT_TRUE(ex.all_sent());
  ex.finish();
  WorkerSnapshot s = snap();
  EXPECT_EQ(s.requests, 1u);
  EXPECT_DOUBLE_EQ(s.response_size.sum, static_cast<double>(total));
}

TEST_P(InstrumentationTest, AResponseAbandonedBeforeItsCommitPointIsCountedOnceByFinish) {
  PrometheusMixin metrics(slot(), true, GetParam());
  http::RequestParser parser;
  ASSERT_EQ(parser.feed("GET /bytes/1000000 HTTP/1.1\r\nHost: x\r\n\r\n"),
            http::ParseStatus::complete);
  Exchange ex(app_, metrics);
  ex.begin(parser.request());
  ex.respond(parser.request(), true);
  iovec iov[8];
  ex.next_iov(iov, 8);
  ex.sent(5000);  // then the peer resets the connection
  EXPECT_EQ(snap().requests, 0u);
  ex.finish();
  ex.finish();
  WorkerSnapshot s = snap();
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_DOUBLE_EQ(s.response_size.sum, 5000.0);
}

TEST_P(InstrumentationTest, RequestHooksFeedCountsHistogramsAndSizes) {
  PrometheusMixin metrics(slot(), true, GetParam());
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string post = "POST /echo HTTP/1.1\r\nContent-Length: 300\r\n\r\n" + std::string(300, 'p');
  std::string r1 = run(metrics, get);
  std::string r2 = run(metrics, post);
  WorkerSnapshot s = snap();
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.duration.count(), 2u);
  EXPECT_EQ(s.request_size.count(), 2u);
  EXPECT_EQ(s.response_size.count(), 2u);
  EXPECT_DOUBLE_EQ(s.request_size.sum, static_cast<double>(get.size() + post.size()));
  EXPECT_DOUBLE_EQ(s.response_size.sum, static_cast<double>(r1.size() + r2.size()));
  // Sizes land in their buckets: the GET (26 bytes) in le=64, the POST (~344) in le=1024.
  EXPECT_EQ(s.request_size.cumulative[0], 1u);
  EXPECT_EQ(s.request_size.cumulative[1], 1u);
  EXPECT_EQ(s.request_size.cumulative[2], 2u);
  EXPECT_TRUE(s.label_sets.empty());
}

TEST_P(InstrumentationTest, HandlerFailureCountsOnceInFailedAndOnceInErrors) {
  PrometheusMixin metrics(slot(), true, GetParam());
  std::string wire = run(metrics, "GET /error HTTP/1.1\r\n\r\n");
  EXPECT_EQ(wire.substr(0, 12), "HTTP/1.1 500");
  EXPECT_NE(wire.find("Connection: close"), std::string::npos);
  WorkerSnapshot s = snap();
  EXPECT_EQ(s.requests, 1u);
  ASSERT_EQ(s.label_sets.size(), 1u);
  const LabelSetSnapshot& l = s.label_sets[0];
  EXPECT_EQ(l.method, "GET");
  EXPECT_EQ(l.endpoint, "/error");
  EXPECT_EQ(l.error_type, "RuntimeError");
  EXPECT_EQ(l.failed, 1u);
  EXPECT_EQ(l.errors, 1u);
}

TEST_P(InstrumentationTest, ParseErrorsCountInErrorHandlingOnly) {
  PrometheusMixin metrics(slot(), true, GetParam());
  std::string wire = run(metrics, "GET /sleep/5 HTTP/1.1\r\n" + std::string(101, 'x') + ": y\r\n" +
                                      "Bad Header\r\n\r\n");
  EXPECT_EQ(wire.substr(0, 12), "HTTP/1.1 400");
  run(metrics, "NOT-HTTP\r\n\r\n");
  WorkerSnapshot s = snap();
  EXPECT_EQ(s.requests, 2u);  // error responses are requests handled, too
  ASSERT_EQ(s.label_sets.size(), 2u);
  EXPECT_EQ(s.label_sets[0].endpoint, "/sleep/{ms}");  // a template, never the raw path
  EXPECT_EQ(s.label_sets[0].error_type, "InvalidHeaderName");
  EXPECT_EQ(s.label_sets[0].failed, 0u);
  EXPECT_EQ(s.label_sets[0].errors, 1u);
  EXPECT_EQ(s.label_sets[1].method, "UNKNOWN");
  EXPECT_EQ(s.label_sets[1].endpoint, "__unknown__");
  EXPECT_EQ(s.label_sets[1].error_type, "InvalidRequestLine");
}

TEST_P(InstrumentationTest, NoMetricsRecordsNoRequestButKeepsHeartbeatAndState) {
  PrometheusMixin metrics(slot(), false, GetParam());
  run(metrics, "GET / HTTP/1.1\r\n\r\n");
  run(metrics, "GET /error HTTP/1.1\r\n\r\n");
  slot().hot.heartbeat_ns.store(1);
  metrics.update_worker_metrics();
  metrics.handle_quit(ExitReason::quit);
  WorkerSnapshot s = snap();
  EXPECT_EQ(s.requests, 0u);
  EXPECT_EQ(s.duration.count(), 0u);
  EXPECT_TRUE(s.label_sets.empty());
  EXPECT_GT(slot().hot.heartbeat_ns.load(), 1u);
  EXPECT_EQ(s.state, WorkerState::quitting);
}

TEST_P(InstrumentationTest, QuitAndAbortRecordStateAndExitReason) {
  PrometheusMixin metrics(slot(), true, GetParam());
  metrics.handle_quit(ExitReason::max_requests);
  EXPECT_EQ(snap().state, WorkerState::quitting);
  EXPECT_EQ(snap().restarts[static_cast<size_t>(ExitReason::max_requests)], 1u);
  EXPECT_EQ(recorded_exit(slot().hot), ExitReason::max_requests);
  metrics.handle_abort();
  EXPECT_EQ(snap().state, WorkerState::aborting);
  EXPECT_EQ(snap().restarts[static_cast<size_t>(ExitReason::abort)], 1u);
  EXPECT_EQ(recorded_exit(slot().hot), ExitReason::abort);
}

INSTANTIATE_TEST_SUITE_P(BothWriterModes, InstrumentationTest,
                         ::testing::Values(Writers::single, Writers::shared),
                         [](const auto& param_info) {
                           return param_info.param == Writers::single ? "single" : "shared";
                         });

// Shared mode is the one several threads of a worker may use at once: nothing is lost.
TEST(InstrumentationShared, ConcurrentThreadsSumExactly) {
  Result<Segment> seg = Segment::create(1);
  ASSERT_TRUE(seg.ok());
  WorkerSlot& slot = seg->slot(0);
  claim_slot(slot, 0, 1, 1);
  PrometheusMixin metrics(slot, true, Writers::shared);
  constexpr int kThreads = 4, kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t start = metrics.request_started();
        metrics.request_finished(start, 100, 200);
      }
    });
  for (auto& t : threads) t.join();
  WorkerSnapshot s = snapshot_slot(slot, monotonic_ns());
  EXPECT_EQ(s.requests, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(s.duration.count(), uint64_t{kThreads} * kPerThread);
  EXPECT_DOUBLE_EQ(s.response_size.sum, 200.0 * kThreads * kPerThread);
  EXPECT_EQ(s.in_flight, 0);
}

}  // namespace
}  // namespace wpm
