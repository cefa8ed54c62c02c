#include "reports/exposition_parse.h"

#include <algorithm>
#include <array>
#include <map>

#include "core/prom_text.h"
#include "reports/exposition_line.h"

namespace wpm::prom {
namespace {

constexpr std::array<std::string_view, 5> kTypeNames{"counter", "gauge", "histogram", "summary",
                                                     "untyped"};

std::string_view next_word(std::string_view& rest) {
  size_t b = rest.find_first_not_of(" \t");
  if (b == std::string_view::npos) { rest = {}; return {}; }
  rest.remove_prefix(b);
  size_t e = std::min(rest.find_first_of(" \t"), rest.size());
  std::string_view word = rest.substr(0, e);
  rest.remove_prefix(e);
  return word;
}

// Builds families from lines while tracking the order rules (contiguity, HELP/TYPE once and
// before the samples) that only make sense in a single pass.
class Parser {
 public:
  explicit Parser(std::vector<Problem>& problems) : problems_(problems) {}

  Exposition run(std::string_view text) {
    size_t no = 0, cr_lines = 0, first_cr = 0;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      bool last_unterminated = end == std::string_view::npos;
      if (last_unterminated) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      ++no;
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
        if (cr_lines++ == 0) first_cr = no;
      }
      parse_line(line, no);
      if (last_unterminated) add(no, "the last line does not end with a newline (LF)");
      pos = end + 1;
    }
    if (cr_lines > 0)
      add(first_cr, "CR LF line ending: only LF is allowed (" + std::to_string(cr_lines) +
                        " line(s) affected)");
    return std::move(out_);
  }

 private:
  struct Meta {
    size_t help_line = 0, type_line = 0;
    bool closed = false;
  };

  void add(size_t line, std::string message) { problems_.push_back({line, std::move(message)}); }

  void parse_line(std::string_view line, size_t no) {
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos) return;  // blank lines are allowed
    line.remove_prefix(b);
    if (line[0] == '#') return comment(line.substr(1), no);
    Sample s;
    std::string error;
    if (!parse_sample_line(line, s, error)) return add(no, error);
    s.line = no;
    size_t f = family_for_sample(s.name, no);
    touch(f, no);
    out_.families[f].samples.push_back(std::move(s));
  }

  void comment(std::string_view rest, size_t no) {
    std::string_view keyword = next_word(rest);
    if (keyword != "HELP" && keyword != "TYPE") return;  // a plain comment
    std::string_view name = next_word(rest);
    if (name.empty()) return add(no, std::string(keyword) + " line without a metric name");
    if (keyword == "HELP") {
      size_t b = rest.find_first_not_of(" \t");
      return help(name, b == std::string_view::npos ? std::string_view{} : rest.substr(b), no);
    }
    std::string_view type = next_word(rest);
    if (!next_word(rest).empty()) return add(no, "unexpected text after the TYPE of " + std::string(name));
    declare_type(name, type, no);
  }

  void help(std::string_view name, std::string_view text, size_t no) {
    size_t f = family_named(name, no);
    touch(f, no);
    Family& fam = out_.families[f];
    if (meta_[f].help_line != 0)
      return add(no, "duplicate HELP line for " + fam.name + " (first at line " +
                         std::to_string(meta_[f].help_line) + ")");
    std::string error;
    if (!unescape_help(text, fam.help, error)) add(no, error);
    if (!valid_utf8(fam.help)) add(no, "HELP text of " + fam.name + " is not valid UTF-8");
    fam.has_help = true;
    meta_[f].help_line = no;
  }

  void declare_type(std::string_view name, std::string_view type, size_t no) {
    auto it = std::find(kTypeNames.begin(), kTypeNames.end(), type);
    if (it == kTypeNames.end())
      return add(no, "unknown TYPE '" + std::string(type) + "' for " + std::string(name));
    check_name_clash(name, no);
    size_t f = family_named(name, no);
    touch(f, no);
    Family& fam = out_.families[f];
    if (meta_[f].type_line != 0)
      return add(no, "duplicate TYPE line for " + fam.name + " (first at line " +
                         std::to_string(meta_[f].type_line) + ")");
    if (!fam.samples.empty())
      add(no, "TYPE line for " + fam.name + " comes after its samples (first at line " +
                  std::to_string(fam.samples.front().line) + ")");
    fam.type = static_cast<FamilyType>(it - kTypeNames.begin());
    fam.typed = true;
    meta_[f].type_line = no;
  }

  // "x_bucket" declared while histogram "x" exists would make samples ambiguous.
  void check_name_clash(std::string_view name, size_t no) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!name.ends_with(suffix)) continue;
      auto it = index_.find(std::string(name.substr(0, name.size() - suffix.size())));
      if (it == index_.end()) continue;
      const Family& base = out_.families[it->second];
      if (base.type == FamilyType::histogram || base.type == FamilyType::summary)
        add(no, "family " + std::string(name) + " clashes with the samples of " +
                    std::string(to_string(base.type)) + " " + base.name);
    }
  }

  size_t family_named(std::string_view name, size_t no) {
    auto [it, inserted] = index_.try_emplace(std::string(name), out_.families.size());
    if (inserted) {
      Family fam;
      fam.name = std::string(name);
      fam.first_line = no;
      out_.families.push_back(std::move(fam));
      meta_.emplace_back();
    }
    return it->second;
  }

  size_t family_for_sample(const std::string& name, size_t no) {
    auto exact = index_.find(name);
    if (exact != index_.end() && out_.families[exact->second].type != FamilyType::histogram)
      return exact->second;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!std::string_view(name).ends_with(suffix)) continue;
      auto base = index_.find(name.substr(0, name.size() - suffix.size()));
      if (base == index_.end()) continue;
      FamilyType t = out_.families[base->second].type;
      if (t == FamilyType::histogram || (t == FamilyType::summary && suffix != "_bucket"))
        return base->second;
    }
    if (exact != index_.end()) return exact->second;  // a bare sample in a histogram family
    return family_named(name, no);
  }

  void touch(size_t f, size_t no) {
    if (current_ == f) return;
    if (meta_[f].closed)
      add(no, "family " + out_.families[f].name + " is not contiguous: it started at line " +
                  std::to_string(out_.families[f].first_line) +
                  " and resumes here after other families");
    if (current_ != kNone) meta_[current_].closed = true;
    current_ = f;
  }

  static constexpr size_t kNone = static_cast<size_t>(-1);
  std::vector<Problem>& problems_;
  Exposition out_;
  std::vector<Meta> meta_;
  std::map<std::string, size_t> index_;
  size_t current_ = kNone;
};

}  // namespace

std::string_view to_string(FamilyType type) { return kTypeNames[static_cast<size_t>(type)]; }

Exposition parse_exposition(std::string_view text, std::vector<Problem>& problems) {
  return Parser(problems).run(text);
}

std::string_view sample_suffix(const Family& family, const Sample& sample) {
  std::string_view name = sample.name;
  if (name.size() <= family.name.size() || !name.starts_with(family.name)) return {};
  return name.substr(family.name.size());
}

std::string series_key(std::string_view name, std::vector<Label> labels) {
  std::sort(labels.begin(), labels.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
  std::string out;
  SampleLine(out, name).labels(labels).close_labels();
  return out;
}

}  // namespace wpm::prom
