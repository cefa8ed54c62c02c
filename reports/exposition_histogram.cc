#include "reports/exposition_histogram.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/prom_text.h"
#include "reports/exposition_line.h"

namespace wpm {
namespace {

using prom::Family;
using prom::Problem;
using prom::Sample;

struct Bucket {
  double le = 0;
  std::string le_text;
  double count = 0;
  size_t line = 0;
};

// One series of a histogram or summary: the samples sharing labels apart from le/quantile.
struct Group {
  std::string key;  // e.g. x{a="1"}
  size_t first_line = 0;
  std::vector<Bucket> buckets;
  const Sample* count = nullptr;
  const Sample* sum = nullptr;
};

void add(std::vector<Problem>& out, size_t line, std::string message) {
  out.push_back({line, std::move(message)});
}

std::string number(double v) {
  std::string s;
  append_number(s, v);
  return s;
}

const prom::Label* find_label(const Sample& s, std::string_view name) {
  for (const prom::Label& l : s.labels)
    if (l.name == name) return &l;
  return nullptr;
}

// Adds a bucket (or a quantile, for summaries) to its group, if its bound parses.
void add_bound(Group& g, const Sample& s, std::string_view special, std::vector<Problem>& out) {
  const prom::Label* bound = find_label(s, special);
  if (bound == nullptr) return;  // reported by the shape check
  Bucket b{0, bound->value, s.value, s.line};
  if (!prom::parse_value(bound->value, b.le) || std::isnan(b.le))
    add(out, s.line, "invalid " + std::string(special) + " value \"" + bound->value + "\" in " + s.name);
  else
    g.buckets.push_back(std::move(b));
}

// Groups the samples of a family by their labels minus `special` (le or quantile), in order.
std::vector<Group> group_samples(const Family& f, std::string_view special,
                                 std::vector<Problem>& out) {
  std::vector<Group> groups;
  std::map<std::string, size_t> index;
  for (const Sample& s : f.samples) {
    std::vector<prom::Label> rest;
    for (const prom::Label& l : s.labels)
      if (l.name != special) rest.push_back(l);
    std::string key = prom::series_key(f.name, std::move(rest));
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back(Group{key, s.line, {}, nullptr, nullptr});
    Group& g = groups[it->second];
    std::string_view suffix = prom::sample_suffix(f, s);
    if (suffix == "_count") g.count = &s;
    else if (suffix == "_sum") g.sum = &s;
    else if (suffix == (special == "le" ? "_bucket" : "")) add_bound(g, s, special, out);
  }
  return groups;
}

void check_bucket_order(const Group& g, std::vector<Problem>& out) {
  for (size_t i = 0; i < g.buckets.size(); ++i) {
    const Bucket& b = g.buckets[i];
    if (b.count < 0) add(out, b.line, "bucket le=\"" + b.le_text + "\" of " + g.key + " is negative");
    if (i == 0) continue;
    const Bucket& prev = g.buckets[i - 1];
    if (!(b.le > prev.le))
      add(out, b.line, "bucket le=\"" + b.le_text + "\" of " + g.key +
                           " does not come after le=\"" + prev.le_text +
                           "\" in increasing order (line " + std::to_string(prev.line) + ")");
  }
  std::vector<Bucket> sorted = g.buckets;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Bucket& a, const Bucket& b) { return a.le < b.le; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].count >= sorted[i - 1].count) continue;
    add(out, sorted[i].line, "bucket le=\"" + sorted[i].le_text + "\" of " + g.key + " counts " +
                                 number(sorted[i].count) + ", less than " +
                                 number(sorted[i - 1].count) + " in le=\"" +
                                 sorted[i - 1].le_text + "\": buckets must be cumulative");
  }
}

void check_histogram_group(const Group& g, std::vector<Problem>& out) {
  if (g.buckets.empty()) {
    add(out, g.first_line, "histogram series " + g.key + " has no buckets");
  } else {
    check_bucket_order(g, out);
    auto inf = std::find_if(g.buckets.begin(), g.buckets.end(),
                            [](const Bucket& b) { return std::isinf(b.le) && b.le > 0; });
    if (inf == g.buckets.end())
      add(out, g.buckets.back().line, "histogram series " + g.key + " has no le=\"+Inf\" bucket");
    else if (g.count != nullptr && g.count->value != inf->count)
      add(out, g.count->line, "histogram series " + g.key + ": _count " +
                                  number(g.count->value) + " differs from the +Inf bucket " +
                                  number(inf->count) + " (line " + std::to_string(inf->line) + ")");
  }
  if (g.count == nullptr) add(out, g.first_line, "histogram series " + g.key + " has no _count");
  if (g.sum == nullptr) add(out, g.first_line, "histogram series " + g.key + " has no _sum");
}

}  // namespace

void check_histogram(const Family& family, std::vector<Problem>& out) {
  for (const Group& g : group_samples(family, "le", out)) check_histogram_group(g, out);
}

void check_summary(const Family& family, std::vector<Problem>& out) {
  for (const Group& g : group_samples(family, "quantile", out)) {
    for (const Bucket& q : g.buckets)
      if (q.le < 0 || q.le > 1)
        add(out, q.line, "quantile \"" + q.le_text + "\" of " + g.key + " is outside [0, 1]");
    if (g.count == nullptr) add(out, g.first_line, "summary series " + g.key + " has no _count");
    if (g.sum == nullptr) add(out, g.first_line, "summary series " + g.key + " has no _sum");
  }
}

}  // namespace wpm
