#include "reports/exposition_check.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/metric_table.h"
#include "reports/exposition_histogram.h"
#include "reports/exposition_line.h"

namespace wpm {
namespace {

using prom::Family;
using prom::FamilyType;
using prom::Problem;
using prom::Sample;

void add(std::vector<Problem>& out, size_t line, std::string message) {
  out.push_back({line, std::move(message)});
}

const prom::Label* find_label(const Sample& s, std::string_view name) {
  for (const prom::Label& l : s.labels)
    if (l.name == name) return &l;
  return nullptr;
}

void check_labels(const Sample& s, std::vector<Problem>& out) {
  std::set<std::string_view> seen;
  for (const prom::Label& l : s.labels) {
    if (l.name.starts_with("__"))
      add(out, s.line, "label name '" + l.name + "' in " + s.name + " is reserved (starts with __)");
    else if (!valid_label_name(l.name))
      add(out, s.line, "invalid label name '" + l.name + "' in " + s.name);
    if (!seen.insert(l.name).second)
      add(out, s.line, "label '" + l.name + "' appears twice in " + s.name);
    if (!prom::valid_utf8(l.value))
      add(out, s.line, "value of label '" + l.name + "' in " + s.name + " is not valid UTF-8");
  }
}

// Which sample names and special labels a family of each type may hold.
void check_shape(const Family& f, const Sample& s, std::vector<Problem>& out) {
  std::string_view suffix = prom::sample_suffix(f, s);
  bool has_le = find_label(s, "le") != nullptr;
  switch (f.type) {
    case FamilyType::histogram:
      if (suffix != "_bucket" && suffix != "_sum" && suffix != "_count")
        add(out, s.line, "sample " + s.name + " in histogram " + f.name +
                             " is not a _bucket, _sum or _count sample");
      else if ((suffix == "_bucket") != has_le)
        add(out, s.line, suffix == "_bucket" ? "bucket " + s.name + " has no 'le' label"
                                             : "sample " + s.name + " must not have an 'le' label");
      break;
    case FamilyType::summary:
      if (suffix.empty() && find_label(s, "quantile") == nullptr)
        add(out, s.line, "summary sample " + s.name + " has no 'quantile' label");
      if (!suffix.empty() && find_label(s, "quantile") != nullptr)
        add(out, s.line, "sample " + s.name + " must not have a 'quantile' label");
      break;
    default:
      if (s.name != f.name)
        add(out, s.line, "sample " + s.name + " does not belong to " +
                             std::string(prom::to_string(f.type)) + " " + f.name);
      if (f.type == FamilyType::counter && s.value < 0)
        add(out, s.line, "counter " + s.name + " is negative");
      break;
  }
}

void check_family(const Family& f, const CheckOptions& opts, std::vector<Problem>& out) {
  if (!valid_metric_name(f.name)) add(out, f.first_line, "invalid metric name '" + f.name + "'");
  if (opts.require_type && !f.typed && !f.samples.empty())
    add(out, f.samples.front().line, "sample " + f.name + " has no TYPE line for its family");
  if (opts.require_help && !f.has_help) add(out, f.first_line, "family " + f.name + " has no HELP");
  for (const Sample& s : f.samples) {
    check_labels(s, out);
    check_shape(f, s, out);
    if (s.timestamp_ms && !opts.allow_timestamps)
      add(out, s.line, "sample " + s.name + " has a timestamp (not allowed in a push payload)");
  }
  if (f.type == FamilyType::histogram) check_histogram(f, out);
  if (f.type == FamilyType::summary) check_summary(f, out);
}

void check_duplicates(const prom::Exposition& e, std::vector<Problem>& out) {
  std::map<std::string, size_t> first;
  for (const Family& f : e.families) {
    for (const Sample& s : f.samples) {
      std::string key = prom::series_key(s.name, s.labels);
      auto [it, inserted] = first.emplace(key, s.line);
      if (!inserted)
        add(out, s.line, "duplicate series " + key + " (first at line " +
                             std::to_string(it->second) + ")");
    }
  }
}

}  // namespace

void check_parsed(const prom::Exposition& exposition, const CheckOptions& options,
                  std::vector<Problem>& problems) {
  for (const Family& f : exposition.families) check_family(f, options, problems);
  check_duplicates(exposition, problems);
}

std::vector<Problem> check_exposition_problems(std::string_view text,
                                               const CheckOptions& options) {
  std::vector<Problem> problems;
  prom::Exposition e = prom::parse_exposition(text, problems);
  check_parsed(e, options, problems);
  std::stable_sort(problems.begin(), problems.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  return problems;
}

std::vector<std::string> check_exposition(std::string_view text, const CheckOptions& options) {
  std::vector<std::string> out;
  for (const Problem& p : check_exposition_problems(text, options))
    out.push_back(p.line == 0 ? p.message : "line " + std::to_string(p.line) + ": " + p.message);
  return out;
}

}  // namespace wpm
