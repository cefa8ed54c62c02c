#include "workers/request_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace wpm::http {
namespace {

// What a parse ended with, comparable across different chunkings of the same bytes.
struct Outcome {
  ParseStatus status = ParseStatus::incomplete;
  int error_status = 0;
  std::string error_type;
  std::vector<std::string> summary;  // one line per completed request

  bool operator==(const Outcome&) const = default;
};

std::string describe(const Request& r) {
  std::string s = std::string(r.method) + " " + std::string(r.target) + " path=" +
                  std::string(r.path) + " query=" + std::string(r.query) +
                  " v1." + std::to_string(r.version_minor) + (r.keep_alive ? " ka" : " close") +
                  " body=" + std::string(r.body) + " wire=" + std::to_string(r.wire_bytes);
  for (const Header& h : r.headers) s += " [" + std::string(h.name) + ":" + std::string(h.value) + "]";
  return s;
}

// Feeds `bytes` in pieces cut at `cuts`, draining every complete (pipelined) request.
Outcome parse_pieces(std::string_view bytes, const std::vector<size_t>& cuts,
                     ParserLimits limits = {}) {
  RequestParser p(limits);
  Outcome out;
  size_t from = 0;
  auto drain = [&](ParseStatus s) {
    while (s == ParseStatus::complete) {
      out.summary.push_back(describe(p.request()));
      s = p.next();
    }
    return s;
  };
  ParseStatus s = ParseStatus::incomplete;
  for (size_t i = 0; i <= cuts.size() && s != ParseStatus::error; ++i) {
    size_t to = i < cuts.size() ? cuts[i] : bytes.size();
    s = drain(p.feed(bytes.substr(from, to - from)));
    from = to;
  }
  out.status = s;
  if (s == ParseStatus::error) {
    out.error_status = p.error().status;
    out.error_type = std::string(p.error().error_type);
  }
  return out;
}

// Exactly one request came out and nothing was refused.
bool one_request(const Outcome& o) { return o.status != ParseStatus::error && o.summary.size() == 1; }

Outcome parse_whole(std::string_view bytes, ParserLimits limits = {}) {
  return parse_pieces(bytes, {}, limits);
}

Outcome parse_bytewise(std::string_view bytes, ParserLimits limits = {}) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);
  return parse_pieces(bytes, cuts, limits);
}

// The property behind "slowloris-safe, pipelining-safe": any chunking gives the same result.
void expect_split_invariant(std::string_view bytes, ParserLimits limits = {}) {
  Outcome whole = parse_whole(bytes, limits);
  EXPECT_EQ(parse_bytewise(bytes, limits), whole) << bytes;
  for (size_t cut = 1; cut < bytes.size(); ++cut)
    ASSERT_EQ(parse_pieces(bytes, {cut}, limits), whole) << "cut at " << cut;
}

const std::string kGet =
    "GET /load?cpu_ms=1&io_ms=2 HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n";

TEST(RequestParser, ParsesATypicalGet) {
  RequestParser p;
  ASSERT_EQ(p.feed(kGet), ParseStatus::complete);
  const Request& r = p.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/load?cpu_ms=1&io_ms=2");
  EXPECT_EQ(r.path, "/load");
  EXPECT_EQ(r.query, "cpu_ms=1&io_ms=2");
  EXPECT_EQ(r.version_minor, 1);
  EXPECT_TRUE(r.keep_alive);
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[0].name, "Host");
  EXPECT_EQ(r.headers[0].value, "example");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.wire_bytes, kGet.size());
}

TEST(RequestParser, KeepAliveFollowsVersionAndConnectionHeader) {
  auto keep_alive = [](const std::string& req) {
    RequestParser p;
    EXPECT_EQ(p.feed(req), ParseStatus::complete) << req;
    return p.request().keep_alive;
  };
  EXPECT_TRUE(keep_alive("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep_alive("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
}

TEST(RequestParser, ContentLengthBodyAndWireBytes) {
  std::string req = "POST /echo HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world";
  RequestParser p;
  EXPECT_EQ(p.feed(req.substr(0, 30)), ParseStatus::incomplete);
  EXPECT_TRUE(p.started());
  EXPECT_EQ(p.feed(req.substr(30)), ParseStatus::complete);
  EXPECT_EQ(p.request().body, "hello world");
  EXPECT_EQ(p.request().wire_bytes, req.size());
  expect_split_invariant(req);
}

TEST(RequestParser, ChunkedBodyIsDecodedInPlace) {
  std::string req =
      "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n";
  RequestParser p;
  ASSERT_EQ(p.feed(req), ParseStatus::complete);
  EXPECT_TRUE(p.request().chunked);
  EXPECT_EQ(p.request().body, "hello 0123456789");
  EXPECT_EQ(p.request().wire_bytes, req.size());
  expect_split_invariant(req);
}

TEST(RequestParser, PipelinedRequestsComeOutInOrderAtEveryCut) {
  std::string three = kGet + "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" +
                      "GET /x HTTP/1.0\r\n\r\n";
  Outcome whole = parse_whole(three);
  ASSERT_EQ(whole.summary.size(), 3u);
  EXPECT_NE(whole.summary[1].find("body=abc"), std::string::npos);
  EXPECT_NE(whole.summary[2].find("GET /x"), std::string::npos);
  expect_split_invariant(three);
}

TEST(RequestParser, PipelinedBytesAreReportedAndLeadingBlankLinesSkipped) {
  RequestParser p;
  ASSERT_EQ(p.feed("GET / HTTP/1.1\r\n\r\n\r\nGET /b HTTP/1.1\r\n"), ParseStatus::complete);
  EXPECT_EQ(p.pipelined(), 19u);
  EXPECT_EQ(p.next(), ParseStatus::incomplete);
  EXPECT_EQ(p.feed("\r\n"), ParseStatus::complete);
  EXPECT_EQ(p.request().path, "/b");
}

TEST(RequestParser, AbsoluteFormTargetYieldsPath) {
  RequestParser p;
  ASSERT_EQ(p.feed("GET http://host:80/sleep/5?x=1 HTTP/1.1\r\n\r\n"), ParseStatus::complete);
  EXPECT_EQ(p.request().path, "/sleep/5");
  EXPECT_EQ(p.request().query, "x=1");
}

TEST(RequestParser, ExpectContinueIsSignalledOnceUntilTheBodyArrives) {
  RequestParser p;
  ASSERT_EQ(p.feed("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"),
            ParseStatus::incomplete);
  EXPECT_TRUE(p.expects_continue());
  p.continue_sent();
  EXPECT_FALSE(p.expects_continue());
  EXPECT_EQ(p.feed("ok"), ParseStatus::complete);
}

// --- limits, at the boundary ---

std::string line_of(size_t length) {  // "GET /aaaa… HTTP/1.1", exactly `length` bytes
  std::string head = "GET /", tail = " HTTP/1.1";
  return head + std::string(length - head.size() - tail.size(), 'a') + tail;
}

TEST(RequestParser, RequestLineLimitIs4094) {
  EXPECT_TRUE(one_request(parse_whole(line_of(4094) + "\r\n\r\n")));
  Outcome bad = parse_whole(line_of(4095) + "\r\n\r\n");
  EXPECT_EQ(bad.status, ParseStatus::error);
  EXPECT_EQ(bad.error_status, 400);
  EXPECT_EQ(bad.error_type, "LimitRequestLine");
  expect_split_invariant(line_of(4094) + "\r\n\r\n");
  EXPECT_EQ(parse_bytewise(line_of(4095) + "\r\n\r\n"), bad);
}

TEST(RequestParser, OverlongRequestLineIsRefusedBeforeItEnds) {
  RequestParser p;
  EXPECT_EQ(p.feed(std::string(4095, 'G')), ParseStatus::incomplete);  // may still end in CR
  EXPECT_EQ(p.feed("G"), ParseStatus::error);
  EXPECT_EQ(p.error().error_type, "LimitRequestLine");
}

std::string with_headers(size_t count, size_t value_len = 1) {
  std::string req = "GET / HTTP/1.1\r\n";
  for (size_t i = 0; i < count; ++i)
    req += "X-H" + std::to_string(i) + ": " + std::string(value_len, 'v') + "\r\n";
  return req + "\r\n";
}

TEST(RequestParser, HeaderCountLimitIs100) {
  EXPECT_TRUE(one_request(parse_whole(with_headers(100))));
  Outcome bad = parse_whole(with_headers(101));
  EXPECT_EQ(bad.error_status, 431);
  EXPECT_EQ(bad.error_type, "LimitRequestHeaders");
}

TEST(RequestParser, FieldSizeLimitIs8190IncludingCrlf) {
  // "X-H0: " is 6 bytes; line + CRLF = 6 + value + 2.
  std::string ok = with_headers(1, 8190 - 8);
  EXPECT_TRUE(one_request(parse_whole(ok)));
  EXPECT_TRUE(one_request(parse_bytewise(ok)));
  Outcome bad = parse_whole(with_headers(1, 8190 - 7));
  EXPECT_EQ(bad.error_status, 431);
  EXPECT_EQ(bad.error_type, "LimitRequestHeaders");
  EXPECT_EQ(parse_bytewise(with_headers(1, 8190 - 7)).error_status, 431);
}

TEST(RequestParser, OverlongFieldIsRefusedBeforeItEnds) {
  RequestParser p;
  EXPECT_EQ(p.feed("GET / HTTP/1.1\r\nX: " + std::string(8186, 'v')), ParseStatus::incomplete);
  EXPECT_EQ(p.feed("v"), ParseStatus::error);  // 8190 bytes without LF: cannot fit
  EXPECT_EQ(p.error().status, 431);
}

TEST(RequestParser, BodyLimitGives413) {
  ParserLimits limits;
  limits.max_body = 10;
  EXPECT_TRUE(
      one_request(parse_whole("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits)));
  Outcome bad = parse_whole("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits);
  EXPECT_EQ(bad.error_status, 413);
  Outcome chunked = parse_whole(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n", limits);
  EXPECT_EQ(chunked.error_status, 413);
}

// --- malformed input ---

struct Malformed {
  std::string bytes;
  int status;
  std::string error_type;
};

TEST(RequestParser, MalformedRequestsAreRefused) {
  const std::vector<Malformed> cases = {
      {"GET /\r\n\r\n", 400, "InvalidRequestLine"},
      {"GET  / HTTP/1.1\r\n\r\n", 400, "InvalidRequestLine"},
      {"GET / HTTP/1.1 \r\n\r\n", 400, "InvalidHTTPVersion"},
      {"get / HTTP/1.1\r\n\r\n", 400, "InvalidRequestMethod"},
      {"G@T / HTTP/1.1\r\n\r\n", 400, "InvalidRequestMethod"},
      {"GET / HTTP/1.x\r\n\r\n", 400, "InvalidHTTPVersion"},
      {"GET / HTTX/1.1\r\n\r\n", 400, "InvalidHTTPVersion"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "InvalidHTTPVersion"},
      {std::string("GET /a\0b HTTP/1.1\r\n\r\n", 21), 400, "InvalidRequestLine"},
      {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15), 400,
       "InvalidRequestLine"},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "InvalidHeader"},
      {"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", 400, "InvalidHeaderName"},
      {"GET / HTTP/1.1\r\nHost : v\r\n\r\n", 400, "InvalidHeaderName"},
      {"GET / HTTP/1.1\r\n: v\r\n\r\n", 400, "InvalidHeaderName"},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400, "InvalidHeader"},
      {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400, "InvalidHeader"},
      {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400, "InvalidHeader"},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "InvalidHeader"},
      {"POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n", 400, "InvalidHeader"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, "InvalidHeader"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, "InvalidHeader"},
      {"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
       "InvalidHeader"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
       "UnsupportedTransferCoding"},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "InvalidHeader"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "InvalidChunkSize"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n", 400,
       "ChunkMissingTerminator"},
      {std::string(9, '\n') + "GET / HTTP/1.1\r\n\r\n", 400, "InvalidRequestLine"},
  };
  for (const Malformed& c : cases) {
    Outcome whole = parse_whole(c.bytes);
    EXPECT_EQ(whole.status, ParseStatus::error) << c.bytes;
    EXPECT_EQ(whole.error_status, c.status) << c.bytes;
    EXPECT_EQ(whole.error_type, c.error_type) << c.bytes;
    EXPECT_EQ(parse_bytewise(c.bytes), whole) << c.bytes;
  }
}

TEST(RequestParser, ErrorKeepsTheRequestLineForLabels) {
  RequestParser p;
  ASSERT_EQ(p.feed("POST /sleep/5?x HTTP/1.1\r\nBad Header\r\n\r\n"), ParseStatus::error);
  EXPECT_EQ(p.partial_method(), "POST");
  EXPECT_EQ(p.partial_target(), "/sleep/5?x");
  EXPECT_GT(p.received(), 0u);
}

TEST(RequestParser, ResetForgetsAPartialRequest) {
  RequestParser p;
  EXPECT_EQ(p.feed("GET /partial HTT"), ParseStatus::incomplete);
  p.reset();
  EXPECT_FALSE(p.started());
  ASSERT_EQ(p.feed("GET /b HTTP/1.1\r\n\r\n"), ParseStatus::complete);
  EXPECT_EQ(p.request().path, "/b");
  EXPECT_EQ(p.request().wire_bytes, 19u);
}

// Random mutations of valid traffic: no crash, no sanitizer report, and the outcome never
// depends on how the bytes were chunked.
TEST(RequestParser, MutatedTrafficIsSplitInvariant) {
  const std::string seed = kGet + "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello" +
                           "PUT /e HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  std::mt19937 rng(12345);
  const std::string alphabet = "\r\n :;,0aZ\t\x01\xff/-";
  for (int round = 0; round < 400; ++round) {
    std::string bytes = seed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % bytes.size();
      switch (rng() % 3) {
        case 0: bytes[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: bytes.erase(at, 1); break;
        default: bytes.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    std::vector<size_t> cuts;
    for (size_t at = rng() % 7 + 1; at < bytes.size(); at += rng() % 23 + 1) cuts.push_back(at);
    Outcome whole = parse_whole(bytes);
    Outcome split = parse_pieces(bytes, cuts);
    // A split can only detect an overlong line earlier, never change the verdict.
    EXPECT_EQ(split.status, whole.status) << round;
    EXPECT_EQ(split.summary, whole.summary) << round;
    EXPECT_EQ(split.error_status, whole.error_status) << round;
  }
}

}  // namespace
}  // namespace wpm::http
