#include "loadgen/response_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace wpm::loadgen {
namespace {

using S = ResponseParser::Status;

struct Outcome {
  S status = S::more;
  size_t consumed = 0;  // total bytes consumed
  int code = 0;
  bool keep_alive = false;
  uint64_t body = 0;
};

// Feeds `text` in pieces cut at the given split points.
Outcome feed_split(const std::string& text, std::vector<size_t> cuts, bool head = false) {
  ResponseParser p(256);
  p.start(head);
  Outcome out;
  cuts.push_back(text.size());
  size_t pos = 0;
  for (size_t cut : cuts) {
    if (cut < pos) continue;
    size_t n = 0;
    out.status = p.feed(text.data() + pos, cut - pos, &n);
    out.consumed += n;
    pos += n;
    if (out.status != S::more) break;
    pos = cut;
  }
  out.code = p.status_code();
  out.keep_alive = p.keep_alive();
  out.body = p.body_bytes();
  return out;
}

// Every way of cutting the text in two, and byte by byte, gives the same outcome.
void expect_everywhere(const std::string& text, S status, int code, bool keep_alive, uint64_t body) {
  std::vector<std::vector<size_t>> plans;
  for (size_t cut = 0; cut <= text.size(); ++cut) plans.push_back({cut});
  std::vector<size_t> bytes;
  for (size_t i = 1; i < text.size(); ++i) bytes.push_back(i);
  plans.push_back(bytes);
  for (const auto& cuts : plans) {
    Outcome o = feed_split(text, cuts);
    ASSERT_EQ(o.status, status) << "first cut " << (cuts.empty() ? 0 : cuts[0]);
    if (status != S::done) continue;
    ASSERT_EQ(o.code, code);
    ASSERT_EQ(o.keep_alive, keep_alive);
    ASSERT_EQ(o.body, body);
    ASSERT_EQ(o.consumed, text.size());
  }
}

TEST(ResponseParser, ContentLength) {
  expect_everywhere("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello", S::done, 200, true, 5);
  expect_everywhere("HTTP/1.1 404 Not Found\r\ncontent-length:0\r\n\r\n", S::done, 404, true, 0);
}

TEST(ResponseParser, ChunkedWithExtensionsAndTrailers) {
  expect_everywhere(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
      "5;name=v\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\n",
      S::done, 200, true, 31);
  expect_everywhere("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", S::done, 200, true, 0);
}

TEST(ResponseParser, ConnectionSemantics) {
  expect_everywhere("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 2\r\n\r\nok", S::done, 200, false, 2);
  expect_everywhere("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", S::done, 200, false, 2);
  expect_everywhere("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", S::done, 200, true, 2);
}

TEST(ResponseParser, BodilessResponses) {
  expect_everywhere("HTTP/1.1 204 No Content\r\n\r\n", S::done, 204, true, 0);
  expect_everywhere("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", S::done, 304, true, 0);
  Outcome head = feed_split("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", {}, true);
  EXPECT_EQ(head.status, S::done);
  EXPECT_EQ(head.body, 0u);
}

TEST(ResponseParser, InterimResponsesAreSkipped) {
  expect_everywhere("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx",
                    S::done, 201, true, 1);
}

TEST(ResponseParser, BodyUntilClose) {
  ResponseParser p;
  p.start(false);
  std::string text = "HTTP/1.1 200 OK\r\n\r\nsome body";
  size_t n = 0;
  EXPECT_EQ(p.feed(text.data(), text.size(), &n), S::more);
  EXPECT_EQ(n, text.size());
  EXPECT_FALSE(p.keep_alive());
  EXPECT_EQ(p.finish_at_eof(), S::done);
  EXPECT_EQ(p.body_bytes(), 9u);
}

TEST(ResponseParser, StopsAtTheEndOfTheResponse) {
  ResponseParser p;
  p.start(false);
  std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
  size_t n = 0;
  EXPECT_EQ(p.feed(text.data(), text.size(), &n), S::done);
  EXPECT_EQ(n, text.size() - 5);
  p.start(false);  // reusable for the next response on the connection
  std::string again = "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(p.feed(again.data(), again.size(), &n), S::done);
  EXPECT_EQ(p.status_code(), 500);
}

TEST(ResponseParser, EofMidResponseIsAnError) {
  ResponseParser p;
  p.start(false);
  EXPECT_FALSE(p.received_any());
  std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  size_t n = 0;
  EXPECT_EQ(p.feed(text.data(), text.size(), &n), S::more);
  EXPECT_TRUE(p.received_any());
  EXPECT_EQ(p.finish_at_eof(), S::error);
}

TEST(ResponseParser, MalformedInputIsAParseError) {
  for (const char* bad : {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "XTTP/1.1 200 OK\r\n\r\n",
                          "HTTP/1.1 200OK\r\n\r\n", "HTTP/1.1 099 x\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
                          "HTTP/1.1 101 Switching Protocols\r\n\r\n"}) {
    Outcome o = feed_split(bad, {});
    EXPECT_EQ(o.status, S::error) << bad;
  }
}

TEST(ResponseParser, OversizedHeadersAreAParseError) {
  std::string text = "HTTP/1.1 200 OK\r\nX: " + std::string(300, 'a') + "\r\n\r\n";
  EXPECT_EQ(feed_split(text, {}).status, S::error);
  EXPECT_EQ(feed_split(text, {10, 20}).status, S::error);
}


// Fuzz-style property: mutated responses never crash the parser (ASan watches), and the outcome
// does not depend on how the bytes were split across reads.
TEST(ResponseParser, MutatedInputGivesTheSameOutcomeWhateverTheSplit) {
  const std::vector<std::string> corpus = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n",
      "HTTP/1.0 404 Not Found\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
  };
  std::mt19937 rng(12345);
  const char alphabet[] = "HTP/1.0 2345:\r\n;abcdefxyzCLhunkd-";
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string text = corpus[rng() % corpus.size()];
    for (int m = 1 + static_cast<int>(rng() % 3); m > 0; --m) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = alphabet[rng() % (sizeof alphabet - 1)]; break;
        case 1: text.insert(at, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
        default: text.erase(at, 1 + rng() % 4); break;
      }
      if (text.empty()) text = "H";
    }
    Outcome whole = feed_split(text, {});
    std::vector<size_t> cuts;
    for (size_t c = 1 + rng() % 7; c < text.size(); c += 1 + rng() % 7) cuts.push_back(c);
    Outcome split = feed_split(text, cuts);
    ASSERT_EQ(whole.status, split.status) << text;
    if (whole.status != S::done) continue;
    ASSERT_EQ(whole.consumed, split.consumed) << text;
    ASSERT_EQ(whole.code, split.code) << text;
    ASSERT_EQ(whole.body, split.body) << text;
    ASSERT_EQ(whole.keep_alive, split.keep_alive) << text;
  }
}

}  // namespace
}  // namespace wpm::loadgen
