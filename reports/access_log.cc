#include "reports/access_log.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace wpm {
namespace {

using Field = LinePattern::Field;

constexpr std::string_view kGunicornDefault =
    R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")";
constexpr std::string_view kCommon = R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s)";

// `text` with every byte outside [lowest, 0x7e] written as `format` does (one %02x-like field).
std::string escaped(std::string_view text, unsigned char lowest, const char* format) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= lowest && u < 0x7f) {
      out += c;
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, format, u);
    out += buf;
  }
  return out;
}

// Bytes outside printable ASCII as \xNN: a reason ends up in TOML comments and on a terminal.
std::string printable(std::string_view text) { return escaped(text, 0x20, "\\x%02x"); }

std::string quoted(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() > kMax) return "'" + printable(text.substr(0, kMax)) + "...'";
  return "'" + printable(text) + "'";
}

// Bytes outside printable ASCII (space included) percent-encoded, as a client would have sent
// them.
std::string percent_encoded(std::string_view path) { return escaped(path, 0x21, "%%%02X"); }

template <class T>
bool whole_number(std::string_view text, T& value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

bool decimal(std::string_view text, double& value) {
  if (text.empty() || text.front() == '-' || text.front() == '+') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                   std::chars_format::fixed);
  return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(value);
}

// Gunicorn's atoms (docs: "Access log format"), by what wpm takes from them.
std::optional<Field> atom_field(std::string_view atom) {
  if (atom.size() > 2 && atom.front() == '{' &&
      (atom.ends_with("}i") || atom.ends_with("}o") || atom.ends_with("}e")))
    return Field::ignored;
  if (atom.size() != 1) return std::nullopt;
  switch (atom.front()) {
    case 'h': case 'l': case 'u': case 'f': case 'a': case 'H': case 'p': case 'q':
      return Field::ignored;
    case 't': return Field::time_local;
    case 'r': return Field::request_line;
    case 'm': return Field::method;
    case 'U': return Field::url_path;
    case 's': return Field::status;
    case 'b': case 'B': return Field::bytes;
    case 'D': return Field::micros;
    case 'M': return Field::millis;
    case 'T': case 'L': return Field::seconds;
    default: return std::nullopt;
  }
}

void add_literal(LinePattern& p, std::string_view text) {
  if (text.empty()) return;
  if (!p.tokens.empty() && p.tokens.back().literal) p.tokens.back().text += text;
  else p.tokens.push_back({true, std::string(text), Field::ignored});
}

Error format_error(std::string message) { return Error{"--log-format: " + std::move(message), kExitUsage}; }

Status check_fields_present(const LinePattern& p) {
  auto has = [&p](std::initializer_list<Field> fields) {
    return std::any_of(p.tokens.begin(), p.tokens.end(), [&](const LinePattern::Token& t) {
      return !t.literal && std::find(fields.begin(), fields.end(), t.field) != fields.end();
    });
  };
  if (!has({Field::request_line, Field::method}))
    return format_error("no request method (%(r)s or %(m)s)");
  if (!has({Field::request_line, Field::url_path}))
    return format_error("no request path (%(r)s or %(U)s)");
  if (!has({Field::status})) return format_error("no status (%(s)s)");
  if (!has({Field::micros, Field::millis, Field::seconds, Field::time_auto}))
    return format_error("no request time (%(D)s, %(M)s, %(L)s or %(T)s)");
  return {};
}

Result<LinePattern> compile(std::string_view format, std::string name) {
  LinePattern p{std::move(name), {}};
  size_t pos = 0;
  while (pos < format.size()) {
    size_t pct = format.find('%', pos);
    add_literal(p, format.substr(pos, pct - pos));
    if (pct == std::string_view::npos) break;
    if (format.substr(pct, 2) == "%%") {
      add_literal(p, "%");
      pos = pct + 2;
      continue;
    }
    size_t close = format.find(")s", pct);
    if (format.substr(pct, 2) != "%(" || close == std::string_view::npos)
      return format_error("expected %(name)s at offset " + std::to_string(pct));
    std::string_view atom = format.substr(pct + 2, close - pct - 2);
    std::optional<Field> field = atom_field(atom);
    if (!field) return format_error("unknown atom %(" + std::string(atom) + ")s");
    if (!p.tokens.empty() && !p.tokens.back().literal)
      return format_error("%(" + std::string(atom) + ")s follows another atom with no text between");
    p.tokens.push_back({false, std::string(atom), *field});
    pos = close + 2;
  }
  if (Status s = check_fields_present(p); !s) return s.error();
  return p;
}

LinePattern compile_preset(std::string_view format, std::string name, bool time_auto) {
  Result<LinePattern> p = compile(std::string(format) + " %(D)s", std::move(name));
  if (time_auto) p->tokens.back().field = Field::time_auto;
  return *p;
}

bool method_token(std::string_view m) {
  return !m.empty() && m.size() <= 32 && std::all_of(m.begin(), m.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// The path of a request target: origin form, or absolute form with scheme and host dropped.
std::optional<std::string> target_path(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!target.starts_with(scheme)) continue;
    size_t slash = target.find('/', scheme.size());
    target = slash == std::string_view::npos ? "/" : target.substr(slash);
  }
  if (target.empty() || target.front() != '/') return std::nullopt;
  return percent_encoded(target.substr(0, target.find_first_of("?#")));
}

std::optional<std::string> set_request_line(std::string_view v, AccessRecord& r) {
  auto bad = [v] { return quoted(v) + " is not METHOD /PATH HTTP/x.y"; };
  size_t sp1 = v.find(' ');
  if (sp1 == std::string_view::npos || !method_token(v.substr(0, sp1))) return bad();
  std::string_view rest = v.substr(sp1 + 1);
  size_t sp2 = rest.find(' ');
  if (sp2 != std::string_view::npos && !rest.substr(sp2 + 1).starts_with("HTTP/")) return bad();
  std::optional<std::string> path = target_path(rest.substr(0, sp2));
  if (!path) return bad();
  r.method = std::string(v.substr(0, sp1));
  r.path = std::move(*path);
  return std::nullopt;
}

std::optional<std::string> set_duration(std::string_view v, double scale, bool whole, AccessRecord& r) {
  uint64_t n = 0;
  double d = 0;
  if (whole ? whole_number(v, n) : decimal(v, d)) {
    r.duration_s = whole ? static_cast<double>(n) * scale : d * scale;
    size_t point = v.find('.');
    int decimals = point == std::string_view::npos ? 0 : static_cast<int>(v.size() - point - 1);
    r.resolution_s = std::max(1e-6, scale * std::pow(10.0, -decimals));
    return std::nullopt;
  }
  return "request time " + quoted(v) + " is not " + (whole ? "an integer" : "a number");
}

// Stores one field's value; the reason when it is malformed.
std::optional<std::string> set_field(Field f, std::string_view v, AccessRecord& r) {
  switch (f) {
    case Field::ignored: return std::nullopt;
    case Field::request_line: return set_request_line(v, r);
    case Field::method:
      if (!method_token(v)) return "method " + quoted(v) + " is not a request method";
      r.method = std::string(v);
      return std::nullopt;
    case Field::url_path:
      if (std::optional<std::string> p = target_path(v)) {
        r.path = std::move(*p);
        return std::nullopt;
      }
      return "path " + quoted(v) + " does not start with /";
    case Field::status:
      if (v.size() == 3 && whole_number(v, r.status) && r.status >= 100 && r.status <= 599)
        return std::nullopt;
      return "status " + quoted(v) + " is not a code in 100..599";
    case Field::bytes:
      if (v == "-" || whole_number(v, r.response_bytes)) {
        if (v == "-") r.response_bytes = 0;
        return std::nullopt;
      }
      return "response size " + quoted(v) + " is not a byte count or -";
    case Field::micros: return set_duration(v, 1e-6, true, r);
    case Field::millis:
      r.truncated = true;
      return set_duration(v, 1e-3, false, r);
    case Field::seconds:
      r.truncated = true;
      return set_duration(v, 1, false, r);
    case Field::time_auto:
      return set_duration(v, v.find('.') == std::string_view::npos ? 1e-6 : 1,
                          v.find('.') == std::string_view::npos, r);
    case Field::time_local:
      if ((r.time_unix = parse_log_time(v))) return std::nullopt;
      return "time " + quoted(v) + " is not [dd/Mon/yyyy:HH:MM:SS +zzzz]";
  }
  return std::nullopt;
}

// The end of a field's value starting at `pos`: through ']' for a bracketed time, else up
// to the next literal, else the end of the line.
std::optional<size_t> field_end(const LinePattern& p, size_t i, std::string_view line, size_t pos) {
  if (p.tokens[i].field == Field::time_local && pos < line.size() && line[pos] == '[') {
    size_t close = line.find(']', pos);
    if (close == std::string_view::npos) return std::nullopt;
    return close + 1;
  }
  if (i + 1 == p.tokens.size()) return line.size();
  size_t next = line.find(p.tokens[i + 1].text, pos);
  if (next == std::string_view::npos) return std::nullopt;
  return next;
}

std::optional<LineMismatch> match(const LinePattern& p, std::string_view line, AccessRecord& r) {
  size_t pos = 0;
  for (size_t i = 0; i < p.tokens.size(); ++i) {
    const LinePattern::Token& t = p.tokens[i];
    if (t.literal) {
      if (line.substr(pos, t.text.size()) != t.text)
        return LineMismatch{pos + 1, "expected " + quoted(t.text) + ", found " + quoted(line.substr(pos, 12))};
      pos += t.text.size();
      continue;
    }
    std::optional<size_t> end = field_end(p, i, line, pos);
    if (!end) {
      bool bracket = t.field == Field::time_local && line.substr(pos, 1) == "[";
      std::string after = bracket ? "']'" : quoted(p.tokens[i + 1].text);
      return LineMismatch{pos + 1, "no " + after + " after %(" + t.text + ")s"};
    }
    if (std::optional<std::string> why = set_field(t.field, line.substr(pos, *end - pos), r))
      return LineMismatch{pos + 1, *why};
    pos = *end;
  }
  if (pos != line.size()) return LineMismatch{pos + 1, "unexpected text " + quoted(line.substr(pos))};
  return std::nullopt;
}

std::string_view trim_end(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits_at(std::string_view s, size_t at, size_t n, int& out) {
  return at + n <= s.size() && whole_number(s.substr(at, n), out);
}

}  // namespace

std::optional<double> parse_log_time(std::string_view s) {
  if (s.starts_with('[') && s.ends_with(']')) s = s.substr(1, s.size() - 2);
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // dd/Mon/yyyy:HH:MM:SS +zzzz
  if (s.size() != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' ||
      s[17] != ':' || s[20] != ' ' || (s[21] != '+' && s[21] != '-'))
    return std::nullopt;
  int day = 0, year = 0, hour = 0, minute = 0, second = 0, zh = 0, zm = 0;
  auto month = std::find(std::begin(kMonths), std::end(kMonths), s.substr(3, 3));
  if (month == std::end(kMonths) || !digits_at(s, 0, 2, day) || !digits_at(s, 7, 4, year) ||
      !digits_at(s, 12, 2, hour) || !digits_at(s, 15, 2, minute) || !digits_at(s, 18, 2, second) ||
      !digits_at(s, 22, 2, zh) || !digits_at(s, 24, 2, zm))
    return std::nullopt;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month - std::begin(kMonths) + 1),
                                 static_cast<unsigned>(day));
  int64_t offset = (s[21] == '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  return static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second - offset);
}

AccessLogParser AccessLogParser::preset(AccessLogFormat format) {
  AccessLogParser parser;
  auto add = [&parser](std::string_view f, const char* name, bool time_auto) {
    parser.patterns_.push_back(compile_preset(f, name, time_auto));
  };
  switch (format) {
    case AccessLogFormat::gunicorn: add(kGunicornDefault, "gunicorn", false); break;
    case AccessLogFormat::combined: add(kGunicornDefault, "combined", true); break;
    case AccessLogFormat::common: add(kCommon, "common", true); break;
    case AccessLogFormat::auto_detect:
      add(kGunicornDefault, "combined", true);
      add(kCommon, "common", true);
      break;
  }
  return parser;
}

Result<AccessLogParser> AccessLogParser::from_gunicorn_format(std::string_view format) {
  Result<LinePattern> p = compile(format, "--log-format");
  if (!p) return p.error();
  AccessLogParser parser;
  parser.patterns_.push_back(std::move(*p));
  return parser;
}

Result<AccessRecord> AccessLogParser::parse(std::string_view line) const {
  line = trim_end(line);
  std::optional<LineMismatch> best;
  std::string best_name;
  for (const LinePattern& p : patterns_) {
    AccessRecord r;
    std::optional<LineMismatch> miss = match(p, line, r);
    if (!miss) return r;
    if (!best || miss->column > best->column) best = miss, best_name = p.name;
  }
  std::string where = "column " + std::to_string(best->column);
  if (patterns_.size() > 1) where += " (" + best_name + ")";
  return Error{where + ": " + best->reason};
}

std::string AccessLogParser::describe() const {
  std::string out;
  for (const LinePattern& p : patterns_) out += (out.empty() ? "" : " or ") + p.name;
  return out;
}

AccessLogScan scan_access_log(std::istream& in, const AccessLogParser& parser,
                              const std::function<void(const AccessRecord&)>& sink) {
  AccessLogScan scan;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (trim_end(line).empty()) continue;
    ++scan.lines;
    Result<AccessRecord> r = parser.parse(line);
    if (!r) {
      ++scan.skipped;
      if (scan.first_skipped.size() < kSkippedExamples) scan.first_skipped.push_back({number, r.error().message});
      continue;
    }
    ++scan.parsed;
    if (r->time_unix) {
      scan.first_time = std::min(scan.first_time.value_or(*r->time_unix), *r->time_unix);
      scan.last_time = std::max(scan.last_time.value_or(*r->time_unix), *r->time_unix);
    }
    sink(*r);
  }
  return scan;
}

}  // namespace wpm
