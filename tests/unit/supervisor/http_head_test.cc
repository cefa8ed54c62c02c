#include "supervisor/http_head.h"

#include <gtest/gtest.h>

#include <string>

namespace wpm::supervisor {
namespace {

size_t end_of(std::string_view buf) {
  size_t scanned = 0;
  return find_head_end(buf, scanned);
}

TEST(HttpHead, EndIsFoundWholeOrTrickled) {
  const std::string head = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string buf = head + "GET /next";
  EXPECT_EQ(end_of(buf), head.size());
  std::string trickled;
  size_t scanned = 0;
  size_t found = std::string::npos;
  for (char c : buf) {
    trickled.push_back(c);
    if ((found = find_head_end(trickled, scanned)) != std::string::npos) break;
  }
  EXPECT_EQ(found, head.size());
  EXPECT_EQ(end_of("GET / HTTP/1.0\n\nrest"), 16u);  // bare LF line endings
  EXPECT_EQ(end_of("GET / HTTP/1.1\r\nHost: x\r\n"), std::string::npos);
  // Blank lines before a request (RFC 9112 §2.2) do not end an empty head.
  EXPECT_EQ(end_of("\r\n\r\n"), std::string::npos);
  EXPECT_EQ(end_of("\r\nGET / HTTP/1.1\r\n\r\n"), 20u);
}

TEST(HttpHead, RequestLineAndFields) {
  ParsedHead p = parse_head(
      "\r\nHEAD /metrics?x=1 HTTP/1.1\r\nHost: a\r\naccept: application/openmetrics-text\r\n\r\n");
  ASSERT_EQ(p.error, 0);
  EXPECT_EQ(p.head.method, "HEAD");
  EXPECT_EQ(p.head.path, "/metrics");
  EXPECT_EQ(p.head.minor, 1);
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_FALSE(p.head.has_body);
}

struct KeepAliveCase {
  const char* head;
  bool keep_alive;
};

TEST(HttpHead, KeepAliveFollowsVersionAndConnection) {
  const KeepAliveCase cases[] = {
      {"GET / HTTP/1.1\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nConnection: TE, Close\r\n\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\nconnection: Keep-Alive, close\r\n\r\n", false},
  };
  for (const KeepAliveCase& c : cases) {
    ParsedHead p = parse_head(c.head);
    ASSERT_EQ(p.error, 0) << c.head;
    EXPECT_EQ(p.head.keep_alive, c.keep_alive) << c.head;
  }
}

TEST(HttpHead, BodiesAreNoticed) {
  EXPECT_TRUE(parse_head("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n").head.has_body);
  EXPECT_TRUE(parse_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").head.has_body);
  EXPECT_FALSE(parse_head("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").head.has_body);
  EXPECT_EQ(parse_head("GET / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n").error, 400);
  EXPECT_EQ(parse_head("GET / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n").error, 0);
}

struct ErrorCase {
  std::string head;
  int status;
};

TEST(HttpHead, MalformedHeadsGetTheirStatus) {
  std::string fields;
  for (int i = 0; i < 101; ++i) fields += "A" + std::to_string(i) + ": b\r\n";
  const ErrorCase cases[] = {
      {"\r\n", 400},
      {"GET /\r\n\r\n", 400},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"G(T / HTTP/1.1\r\n\r\n", 400},
      {"GET http:x HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTX/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.2\r\n\r\n", 505},
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"GET /" + std::string(4094, 'a') + " HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\n" + fields + "\r\n", 431},
      {"GET / HTTP/1.1\r\nA: " + std::string(8190, 'b') + "\r\n\r\n", 431},
  };
  for (const ErrorCase& c : cases)
    EXPECT_EQ(parse_head(c.head).error, c.status) << c.head.substr(0, 40);
  // The limits are inclusive: exactly 100 fields and an 8190-byte field line pass.
  fields.erase(fields.rfind("A100"));
  EXPECT_EQ(parse_head("GET / HTTP/1.1\r\n" + fields + "\r\n").error, 0);
  EXPECT_EQ(parse_head("GET / HTTP/1.1\r\nA: " + std::string(8185, 'b') + "\r\n\r\n").error, 0);
}

TEST(HttpHead, AnOversizedPartialHeadIsALongLineOrTooManyFields) {
  EXPECT_EQ(oversized_head_status("GET /" + std::string(20000, 'a')), 400);
  EXPECT_EQ(oversized_head_status("GET / HTTP/1.1\r\nA: " + std::string(20000, 'b')), 431);
}

}  // namespace
}  // namespace wpm::supervisor
