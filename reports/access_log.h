// Reading HTTP access logs into records (method, path, status, bytes, request time) for
// `wpm profile --from-access-log`. A format is Gunicorn's `access_log_format` syntax: literal
// text and `%(x)s` atoms. The presets:
//
//   gunicorn  %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s
//             (Gunicorn's default access_log_format plus the request time in microseconds)
//   combined  the same fields with a trailing request time: microseconds as an integer, or
//             seconds with a decimal point (nginx's $request_time)
//   common    %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s and the trailing request time
//   auto      combined or common, whichever a line matches
//
// A line that does not match is skipped with the reason; the caller counts and reports them.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wpm {

struct AccessRecord {
  std::string method;
  std::string path;  // the request target's path, query string dropped
  int status = 0;
  uint64_t response_bytes = 0;  // "-" counts as 0
  double duration_s = 0;
  double resolution_s = 1e-6;  // the time field's step: 1e-6 for %(D)s, 1e-3 for "0.004", 1 for %(T)s
  // Gunicorn's %(M)s and %(T)s cut the time down to the step (v stands for [v, v + step));
  // nginx's $request_time is a difference of truncated clocks, centred on v.
  bool truncated = false;
  std::optional<double> time_unix;  // when the format has %(t)s
};

enum class AccessLogFormat { auto_detect, gunicorn, combined, common };

// Where a line failed: the column (1-based) it got to and why.
struct LineMismatch {
  size_t column = 1;
  std::string reason;
};

// One compiled format: literals and fields in order.
struct LinePattern {
  enum class Field {
    ignored,       // h, l, u, f, a, H, p, q, {x}i, {x}o, {x}e
    time_local,    // t: [07/Dec/2026:17:55:47 +0000]
    request_line,  // r: GET /path?q HTTP/1.1
    method,        // m
    url_path,      // U
    status,        // s
    bytes,         // B, b ("-" = 0)
    micros,        // D
    millis,        // M
    seconds,       // T (whole seconds) and L (decimal seconds)
    time_auto,     // presets' trailing time: µs as an integer, seconds with a decimal point
  };
  struct Token {
    bool literal = true;
    std::string text;  // literal text, or the atom's name for messages
    Field field = Field::ignored;
  };
  std::string name;
  std::vector<Token> tokens;
};

class AccessLogParser {
 public:
  static AccessLogParser preset(AccessLogFormat format);
  // A Gunicorn access_log_format string; the error says which atom or why (exit 2).
  static Result<AccessLogParser> from_gunicorn_format(std::string_view format);

  // The record of one line (trailing CR/blanks ignored), or where and why it does not match
  // (of several patterns, the one that got furthest).
  Result<AccessRecord> parse(std::string_view line) const;
  std::string describe() const;  // the format(s) in words, for the output header

 private:
  std::vector<LinePattern> patterns_;
};

// What reading a whole log saw.
struct AccessLogScan {
  struct Skipped {
    size_t line = 0;
    std::string reason;
  };
  size_t lines = 0;    // non-empty lines read
  size_t parsed = 0;
  size_t skipped = 0;  // lines - parsed
  std::vector<Skipped> first_skipped;  // the first few, for the report
  std::optional<double> first_time, last_time;  // earliest and latest %(t)s seen
};

inline constexpr size_t kSkippedExamples = 5;

// Parses every line of `in`, handing each record to `sink`. Blank lines are not counted.
AccessLogScan scan_access_log(std::istream& in, const AccessLogParser& parser,
                              const std::function<void(const AccessRecord&)>& sink);

// "07/Dec/2026:17:55:47 +0000" (with or without the brackets) as Unix seconds.
std::optional<double> parse_log_time(std::string_view text);

}  // namespace wpm
