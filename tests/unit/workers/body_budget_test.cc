// max_body_buffer: request bodies buffered at once, across a worker's parsers, are capped.
#include "workers/body_budget.h"

#include <gtest/gtest.h>

#include <string>

#include "workers/request_parser.h"

namespace wpm::http {
namespace {

std::string post_head(size_t length) {
  return "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

TEST(BodyBudget, TakesOnlyWhatFits) {
  BodyBudget b(100);
  EXPECT_TRUE(b.take(60));
  EXPECT_FALSE(b.take(41));
  EXPECT_TRUE(b.take(40));
  EXPECT_EQ(b.used(), 100u);
  b.give(60);
  EXPECT_TRUE(b.take(60));
  EXPECT_FALSE(b.take(UINT64_MAX));  // no overflow
}

TEST(BodyBudget, ConcurrentBodiesBeyondTheBudgetAre413AndTheBudgetComesBack) {
  BodyBudget budget(100);
  RequestParser first, second, third;
  first.use_budget(&budget);
  second.use_budget(&budget);
  third.use_budget(&budget);
  EXPECT_EQ(first.feed(post_head(60)), ParseStatus::incomplete);  // waiting for 60 bytes
  EXPECT_EQ(budget.used(), 60u);
  ASSERT_EQ(second.feed(post_head(60)), ParseStatus::error);  // refused before its body
  EXPECT_EQ(second.error().status, 413);
  EXPECT_EQ(second.error().error_type, "LimitRequestBodyBuffer");
  EXPECT_EQ(budget.used(), 60u);
  EXPECT_EQ(third.feed(post_head(40)), ParseStatus::incomplete);  // what is left still fits
  EXPECT_EQ(budget.used(), 100u);
  ASSERT_EQ(first.feed(std::string(60, 'a')), ParseStatus::complete);
  EXPECT_EQ(first.request().body.size(), 60u);
  EXPECT_EQ(budget.used(), 100u);  // held while the request is in hand
  first.next();
  EXPECT_EQ(budget.used(), 40u);
  third.reset();  // connection gone mid-body
  EXPECT_EQ(budget.used(), 0u);
  second.reset();
  EXPECT_EQ(second.feed(post_head(100)), ParseStatus::incomplete);
  EXPECT_EQ(budget.used(), 100u);
}

TEST(BodyBudget, ChunkedBodiesCountChunkByChunkAndADestroyedParserGivesBack) {
  BodyBudget budget(10);
  {
    RequestParser p;
    p.use_budget(&budget);
    std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    EXPECT_EQ(p.feed(head + "6\r\nabcdef\r\n"), ParseStatus::incomplete);
    EXPECT_EQ(budget.used(), 6u);
    ASSERT_EQ(p.feed("5\r\nghijk\r\n"), ParseStatus::error);  // 11 > 10
    EXPECT_EQ(p.error().status, 413);
    EXPECT_EQ(budget.used(), 0u);  // a refused body gives its bytes back at once
    p.reset();
    EXPECT_EQ(p.feed(head + "4\r\nabcd\r\n"), ParseStatus::incomplete);
    EXPECT_EQ(budget.used(), 4u);
  }
  EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
}  // namespace wpm::http
