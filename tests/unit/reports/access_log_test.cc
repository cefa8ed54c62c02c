#include "reports/access_log.h"

#include <gtest/gtest.h>

#include <sstream>

namespace wpm {
namespace {

constexpr const char* kGunicornLine =
    R"x(127.0.0.1 - - [07/Dec/2026:17:55:47 +0000] "GET /api/users/42?full=1 HTTP/1.1" 200 512 "-" "curl/8.5.0" 4210)x";

TEST(AccessLog, GunicornDefaultPlusMicroseconds) {
  Result<AccessRecord> r = AccessLogParser::preset(AccessLogFormat::gunicorn).parse(kGunicornLine);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->path, "/api/users/42");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->response_bytes, 512u);
  EXPECT_DOUBLE_EQ(r->duration_s, 4210e-6);
  EXPECT_DOUBLE_EQ(r->resolution_s, 1e-6);
  ASSERT_TRUE(r->time_unix);
  EXPECT_DOUBLE_EQ(*r->time_unix, 1796666147);  // date -d '2026-12-07T17:55:47Z' +%s
}

TEST(AccessLog, GunicornPresetWantsIntegerMicroseconds) {
  std::string line = R"x(10.0.0.1 - - [07/Dec/2026:17:55:47 +0000] "GET / HTTP/1.1" 200 2 "-" "-" 0.004)x";
  Result<AccessRecord> r = AccessLogParser::preset(AccessLogFormat::gunicorn).parse(line);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("request time '0.004' is not an integer"), std::string::npos)
      << r.error().message;
}

TEST(AccessLog, CombinedWithNginxRequestTimeInSeconds) {
  std::string line =
      R"x(10.0.0.1 - alice [07/Dec/2026:18:55:47 +0100] "POST http://example.com/orders HTTP/2.0" 201 - "https://x/" "Mozilla/5.0 (X11; Linux)" 0.125)x";
  Result<AccessRecord> r = AccessLogParser::preset(AccessLogFormat::combined).parse(line);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/orders");
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->response_bytes, 0u);
  EXPECT_DOUBLE_EQ(r->duration_s, 0.125);
  EXPECT_DOUBLE_EQ(r->resolution_s, 0.001);
  EXPECT_FALSE(r->truncated);
  EXPECT_DOUBLE_EQ(*r->time_unix, 1796666147);  // +0100 is an hour ahead of UTC
}

TEST(AccessLog, CommonWithTrailingMicroseconds) {
  std::string line = R"x(::1 - - [01/Jan/2027:00:00:00 +0000] "DELETE /items/9 HTTP/1.0" 404 17 998)x";
  Result<AccessRecord> r = AccessLogParser::preset(AccessLogFormat::common).parse(line);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "DELETE");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->response_bytes, 17u);
  EXPECT_DOUBLE_EQ(r->duration_s, 998e-6);
  EXPECT_DOUBLE_EQ(*r->time_unix, 1798761600);
}

TEST(AccessLog, AutoTakesCombinedAndCommonLines) {
  AccessLogParser parser = AccessLogParser::preset(AccessLogFormat::auto_detect);
  EXPECT_TRUE(parser.parse(kGunicornLine));
  EXPECT_TRUE(parser.parse(R"x(::1 - - [01/Jan/2027:00:00:00 +0000] "GET /x HTTP/1.1" 200 3 0.5)x"));
  EXPECT_EQ(parser.describe(), "combined or common");
}

TEST(AccessLog, MismatchSaysWhereAndWhy) {
  AccessLogParser parser = AccessLogParser::preset(AccessLogFormat::auto_detect);
  Result<AccessRecord> r = parser.parse("this is not an access log line");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("column"), std::string::npos) << r.error().message;
  r = parser.parse(R"x(::1 - - [01/Jan/2027:00:00:00 +0000] "GET /x HTTP/1.1" 2xx 3 0.5)x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("status '2xx'"), std::string::npos) << r.error().message;
  r = parser.parse(R"x(::1 - - [01/Foo/2027:00:00:00 +0000] "GET /x HTTP/1.1" 200 3 0.5)x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("time '[01/Foo"), std::string::npos) << r.error().message;
  r = parser.parse(R"x(::1 - - [01/Jan/2027:00:00:00 +0000] "garbage" 200 3 0.5)x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("is not METHOD /PATH"), std::string::npos) << r.error().message;
}

TEST(AccessLog, BytesOutsideAsciiAreEscapedInPathsAndReasons) {
  AccessLogParser parser = AccessLogParser::preset(AccessLogFormat::common);
  Result<AccessRecord> r =
      parser.parse("::1 - - [01/Jan/2027:00:00:00 +0000] \"GET /caf\xc3\xa9/1 HTTP/1.1\" 200 3 7");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->path, "/caf%C3%A9/1");
  r = parser.parse(std::string("::1 - - [01/Jan/2027:00:00:00 +0000] \"GET / HTTP/1.1\" \x16\x00\xff 3 7", 61));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("status '\\x16\\x00\\xff'"), std::string::npos) << r.error().message;
  r = parser.parse("::1 - - [01/Jan/2027:00:00:00 +0000 \"GET / HTTP/1.1\" 200 3 7");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no ']' after %(t)s"), std::string::npos) << r.error().message;
}

TEST(AccessLog, UserFormatInGunicornSyntax) {
  Result<AccessLogParser> parser =
      AccessLogParser::from_gunicorn_format(R"x(%(t)s %(m)s %(U)s?%(q)s %(s)s %(B)s %(M)s ms {%({x-id}i)s} 100%%)x");
  ASSERT_TRUE(parser) << parser.error().message;
  Result<AccessRecord> r =
      parser->parse("[07/Dec/2026:17:55:47 +0000] PUT /a/b?x=1 204 0 12.5 ms {abc def} 100%");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "PUT");
  EXPECT_EQ(r->path, "/a/b");
  EXPECT_EQ(r->status, 204);
  EXPECT_DOUBLE_EQ(r->duration_s, 0.0125);
  EXPECT_DOUBLE_EQ(r->resolution_s, 1e-4);
  EXPECT_TRUE(r->truncated);
}

TEST(AccessLog, UserFormatErrorsNameTheProblem) {
  auto message = [](const char* format) {
    Result<AccessLogParser> p = AccessLogParser::from_gunicorn_format(format);
    EXPECT_FALSE(p) << format;
    EXPECT_EQ(p ? 0 : p.error().exit_code, kExitUsage);
    return p ? std::string() : p.error().message;
  };
  EXPECT_NE(message("%(h)s %(r)s %(s)s").find("no request time"), std::string::npos);
  EXPECT_NE(message("%(r)s %(D)s").find("no status"), std::string::npos);
  EXPECT_NE(message("%(s)s %(D)s").find("no request method"), std::string::npos);
  EXPECT_NE(message("%(r)s %(s)s %(Z)s %(D)s").find("unknown atom %(Z)s"), std::string::npos);
  EXPECT_NE(message("%(r)s %(s)s%(D)s").find("no text between"), std::string::npos);
  EXPECT_NE(message("%(r)s %(s)s %D").find("expected %(name)s at offset 12"), std::string::npos);
}

TEST(AccessLog, ScanCountsAndKeepsTheFirstSkippedLines) {
  std::stringstream in;
  in << kGunicornLine << "\n\n";  // line 2 is blank: not counted
  for (int i = 0; i < 7; ++i) in << "garbage " << i << "\n";
  in << R"x(::1 - - [07/Dec/2026:17:56:47 +0000] "GET /x HTTP/1.1" 200 3 0.5)x" << "\r\n";
  size_t records = 0;
  AccessLogScan scan = scan_access_log(in, AccessLogParser::preset(AccessLogFormat::auto_detect),
                                       [&records](const AccessRecord&) { ++records; });
  EXPECT_EQ(scan.lines, 9u);
  EXPECT_EQ(scan.parsed, 2u);
  EXPECT_EQ(records, 2u);
  EXPECT_EQ(scan.skipped, 7u);
  ASSERT_EQ(scan.first_skipped.size(), kSkippedExamples);
  EXPECT_EQ(scan.first_skipped[0].line, 3u);
  EXPECT_EQ(scan.first_skipped[4].line, 7u);
  EXPECT_DOUBLE_EQ(*scan.last_time - *scan.first_time, 60);
}

TEST(AccessLog, LogTime) {
  EXPECT_DOUBLE_EQ(*parse_log_time("01/Jan/1970:00:00:00 +0000"), 0);
  EXPECT_DOUBLE_EQ(*parse_log_time("[29/Feb/2028:23:59:59 -0130]"), 1835481599 + 5400);
  EXPECT_FALSE(parse_log_time("29/Feb/2028 23:59:59"));
  EXPECT_FALSE(parse_log_time("32/Jan/2028:00:00:00 +0000"));
}

}  // namespace
}  // namespace wpm
