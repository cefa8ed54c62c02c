#include "reports/scrape_merge.h"

#include <map>

#include "core/prom_text.h"
#include "reports/bench_families.h"
#include "reports/exposition_check.h"

namespace wpm {
namespace {

using prom::Family;
using prom::Sample;

class Merger {
 public:
  explicit Merger(std::string_view reserved) : reserved_(reserved) {}

  void add(const ScrapeInput& in) {
    std::vector<prom::Problem> problems;
    prom::Exposition e = prom::parse_exposition(in.text, problems);
    check_parsed(e, {.allow_timestamps = true, .require_type = false}, problems);
    if (!problems.empty()) {
      note("final scrape of " + in.worker_class + " left out: line " +
           std::to_string(problems.front().line) + ": " + problems.front().message + " (" +
           std::to_string(problems.size()) + " problem(s))");
      return;
    }
    for (Family& f : e.families) add_family(in.worker_class, std::move(f));
  }

  std::string render() const {
    std::string out;
    for (const std::string& n : notes_) out.append("# wpm: ").append(n).append("\n");
    for (const Family& f : merged_) render_family(out, f);
    return out;
  }

 private:
  void note(std::string text) {
    for (char& c : text) if (c == '\n') c = ' ';
    notes_.push_back(std::move(text));
  }

  void add_family(const std::string& cls, Family f) {
    if (f.name.starts_with(reserved_))
      return note("family " + f.name + " of " + cls + " left out: the name is reserved for bench results");
    auto [it, inserted] = index_.emplace(f.name, merged_.size());
    if (inserted) {
      // promtool's lint wants HELP on every family; a scrape without it gets a neutral one.
      std::string help = f.has_help ? f.help : "No HELP in the scraped text.";
      merged_.push_back(Family{f.name, f.type, true, true, help, 0, {}});
    } else if (merged_[it->second].type != f.type) {
      return note("family " + f.name + " of " + cls + " left out: it is a " +
                  std::string(prom::to_string(f.type)) + " in one class and a " +
                  std::string(prom::to_string(merged_[it->second].type)) + " in another");
    }
    Family& into = merged_[it->second];
    for (Sample& s : f.samples) into.samples.push_back(relabel(cls, std::move(s)));
  }

  // worker_class goes first; a scraped label of the same name survives as exported_worker_class,
  // as Prometheus does on a target label conflict. Timestamps are dropped: pushes refuse them.
  static Sample relabel(const std::string& cls, Sample s) {
    for (prom::Label& l : s.labels)
      if (l.name == kWorkerClassLabel) l.name = "exported_" + std::string(kWorkerClassLabel);
    s.labels.insert(s.labels.begin(), prom::Label{std::string(kWorkerClassLabel), cls});
    s.timestamp_ms.reset();
    return s;
  }

  static void render_family(std::string& out, const Family& f) {
    append_family_header(out, f.name, f.help, prom::to_string(f.type));
    for (const Sample& s : f.samples)
      SampleLine(out, s.name).labels(s.labels).value(s.value, s.timestamp_ms);
  }

  std::string_view reserved_;
  std::vector<Family> merged_;
  std::map<std::string, size_t> index_;
  std::vector<std::string> notes_;
};

}  // namespace

std::string merge_scrapes(const std::vector<ScrapeInput>& scrapes, std::string_view reserved_prefix) {
  Merger m(reserved_prefix);
  for (const ScrapeInput& s : scrapes)
    if (!s.text.empty()) m.add(s);
  std::string out = m.render();
  // Families valid on their own can still collide across classes (histogram x in one, gauge
  // x_count in another); the merged text is checked once more and dropped whole if so.
  std::vector<std::string> problems = check_exposition(out, {.allow_timestamps = false});
  if (problems.empty()) return out;
  return "# wpm: final scrapes left out: merging them gives an invalid exposition: " +
         problems.front() + "\n";
}

}  // namespace wpm
