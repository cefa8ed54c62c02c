#include "core/prom_text.h"

#include <charconv>
#include <cmath>

namespace wpm {
namespace {

void append_labels(SampleLine& line, const ExpoFamily& f, const ExpoSample& s) {
  for (size_t i = 0; i < f.label_names.size(); ++i) line.label(f.label_names[i], s.labels[i]);
}

void append_histogram(std::string& out, const ExpoFamily& f, const ExpoSample& s,
                      std::span<const std::string> le) {
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    SampleLine line(out, f.name, "_bucket");
    append_labels(line, f, s);
    line.label("le", i < le.size() ? std::string_view(le[i]) : "+Inf");
    line.value(static_cast<double>(s.cumulative[i]));
  }
  SampleLine sum(out, f.name, "_sum");
  append_labels(sum, f, s);
  sum.value(s.sum);
  SampleLine count(out, f.name, "_count");
  append_labels(count, f, s);
  count.value(s.cumulative.empty() ? 0 : static_cast<double>(s.cumulative.back()));
}

}  // namespace

void append_number(std::string& out, double value) {
  if (std::isnan(value)) { out.append("NaN"); return; }
  if (std::isinf(value)) { out.append(value > 0 ? "+Inf" : "-Inf"); return; }
  char buf[32];
  std::to_chars_result r;
  double magnitude = std::fabs(value);
  if (value == std::trunc(value) && magnitude < 9.007199254740992e15)
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(value));
  else if (magnitude >= 1e-6 && magnitude < 1e15)  // "0.0005", as client libraries write le
    r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  else
    r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') out.append("\\\\");
    else if (c == '"') out.append("\\\"");
    else if (c == '\n') out.append("\\n");
    else out.push_back(c);
  }
}

void append_escaped_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') out.append("\\\\");
    else if (c == '\n') out.append("\\n");
    else out.push_back(c);
  }
}

void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          std::string_view type) {
  out.append("# HELP ").append(name).push_back(' ');
  append_escaped_help(out, help);
  out.append("\n# TYPE ").append(name).push_back(' ');
  out.append(type).push_back('\n');
}

SampleLine::SampleLine(std::string& out, std::string_view name, std::string_view suffix)
    : out_(out) {
  out_.append(name).append(suffix);
}

SampleLine& SampleLine::label(std::string_view name, std::string_view value) {
  out_.push_back(open_ ? ',' : '{');
  open_ = true;
  out_.append(name).append("=\"");
  append_escaped_label_value(out_, value);
  out_.push_back('"');
  return *this;
}

void SampleLine::close_labels() {
  if (open_) out_.push_back('}');
  open_ = false;
}

void SampleLine::value(double v, std::optional<int64_t> timestamp_ms) {
  close_labels();
  out_.push_back(' ');
  append_number(out_, v);
  if (timestamp_ms) out_.append(" ").append(std::to_string(*timestamp_ms));
  out_.push_back('\n');
}

void append_family(std::string& out, const ExpoFamily& f) {
  append_family_header(out, f.name, f.help, to_string(f.type));
  if (f.type == MetricType::histogram) {
    std::vector<std::string> le(f.bounds.size());  // spelled once per family, not per series
    for (size_t i = 0; i < le.size(); ++i) append_number(le[i], f.bounds[i]);
    for (const ExpoSample& s : f.samples) append_histogram(out, f, s, le);
    return;
  }
  for (const ExpoSample& s : f.samples) {
    SampleLine line(out, f.name);
    append_labels(line, f, s);
    line.value(s.value);
  }
}

std::string write_exposition(std::span<const ExpoFamily> families, size_t size_hint) {
  std::string out;
  out.reserve(size_hint);
  for (const ExpoFamily& f : families) append_family(out, f);
  return out;
}

}  // namespace wpm
