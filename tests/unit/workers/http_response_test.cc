#include "workers/http_response.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace wpm::http {
namespace {

// Everything the cursor would put on the wire, taking at most `step` bytes per write.
std::string drain(OutgoingResponse& r, size_t step = SIZE_MAX) {
  std::string out;
  while (!r.done()) {
    iovec iov[4];
    size_t n = r.iov(iov, 4);
    EXPECT_GT(n, 0u);
    size_t budget = step;
    size_t took = 0;
    for (size_t i = 0; i < n && budget > 0; ++i) {
      size_t len = std::min(iov[i].iov_len, budget);
      out.append(static_cast<const char*>(iov[i].iov_base), len);
      budget -= len;
      took += len;
    }
    r.advance(took);
  }
  return out;
}

TEST(HttpResponse, SerializesStatusHeadersAndBody) {
  OutgoingResponse r;
  ResponseSpec spec;
  spec.body.bytes = "OK\n";
  r.start(spec);
  std::string wire = drain(r);
  std::regex expected(
      "HTTP/1\\.1 200 OK\r\nServer: wpm\r\nDate: [A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} "
      "\\d\\d:\\d\\d:\\d\\d GMT\r\nConnection: close\r\nContent-Type: text/plain\r\n"
      "Content-Length: 3\r\n\r\nOK\n");
  EXPECT_TRUE(std::regex_match(wire, expected)) << wire;
  EXPECT_EQ(r.total_bytes(), wire.size());
  EXPECT_EQ(r.sent_bytes(), wire.size());
}

TEST(HttpResponse, KeepAliveAndHeadAndNoBodyStatuses) {
  OutgoingResponse r;
  ResponseSpec spec;
  spec.body.bytes = "hello";
  spec.keep_alive = true;
  spec.head_only = true;
  r.start(spec);
  std::string wire = drain(r);
  EXPECT_NE(wire.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(wire.find("Content-Length: 5\r\n\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");  // HEAD: no body bytes

  spec = {};
  spec.status = 204;
  spec.body.bytes = "ignored";
  r.start(spec);
  wire = drain(r);
  EXPECT_EQ(wire.find("Content-Length"), std::string::npos);
  EXPECT_EQ(wire.substr(0, 25), "HTTP/1.1 204 No Content\r\n");
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
}

TEST(HttpResponse, FillerBodyHasExactlyTheRequestedBytesInAnyChunking) {
  const uint64_t n = 200'000;  // spans several 64 KiB filler blocks
  for (size_t step : {SIZE_MAX, size_t{1000}, size_t{65536}, size_t{7}}) {
    OutgoingResponse r;
    ResponseSpec spec;
    spec.body.filler = n;
    r.start(spec);
    std::string wire = drain(r, step);
    size_t head = wire.find("\r\n\r\n") + 4;
    EXPECT_EQ(wire.size() - head, n);
    EXPECT_NE(wire.find("Content-Length: 200000\r\n"), std::string::npos);
    EXPECT_EQ(wire.find_first_not_of("x\n", head), std::string::npos);
    EXPECT_EQ(r.total_bytes(), wire.size());
  }
}

TEST(HttpResponse, ErrorResponsesAlwaysClose) {
  OutgoingResponse r;
  r.start_error(431, "Request header field is too large");
  std::string wire = drain(r);
  EXPECT_EQ(wire.substr(0, 46), "HTTP/1.1 431 Request Header Fields Too Large\r\n");
  EXPECT_NE(wire.find("Connection: close\r\n"), std::string::npos);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(r.status(), 431);
}

TEST(HttpResponse, IovHoldsBackEverythingPastAByteLimit) {
  OutgoingResponse r;
  ResponseSpec spec;
  spec.body.bytes = "0123456789";
  r.start(spec);
  size_t head = r.head().size();
  iovec iov[4];
  ASSERT_EQ(r.iov(iov, 4, head + 4), 2u);  // all of the head, 4 body bytes
  EXPECT_EQ(iov[0].iov_len, head);
  EXPECT_EQ(std::string(static_cast<const char*>(iov[1].iov_base), iov[1].iov_len), "0123");
  ASSERT_EQ(r.iov(iov, 4, 10), 1u);  // inside the head
  EXPECT_EQ(iov[0].iov_len, 10u);
  EXPECT_EQ(r.iov(iov, 4, head), 1u);  // exactly the head: no empty piece after it
  EXPECT_EQ(r.iov(iov, 4, 0), 0u);
  EXPECT_EQ(r.iov(iov, 4, 1'000'000), 2u);  // a limit past the end changes nothing
  EXPECT_EQ(iov[1].iov_len, 10u);
}

TEST(HttpResponse, ReasonPhrasesFallBackByClass) {
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(599), "Server Error");
  EXPECT_EQ(reason_phrase(299), "Success");
}

}  // namespace
}  // namespace wpm::http
