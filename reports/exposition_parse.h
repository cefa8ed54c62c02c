// A lenient parser of the Prometheus text exposition format 0.0.4. It records every problem it
// meets (with its line number) and keeps going, so one pass reports all of them; the strict
// rules on top of the parsed form live in exposition_check.h. The merge of several scrapes into
// one exposition (prom_report) reads the parsed form too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wpm::prom {

struct Label {
  std::string name;
  std::string value;  // unescaped
  bool operator==(const Label&) const = default;
};

struct Sample {
  std::string name;  // the full sample name, e.g. "x_bucket"
  std::vector<Label> labels;  // in text order
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  size_t line = 0;
};

enum class FamilyType { counter, gauge, histogram, summary, untyped };
std::string_view to_string(FamilyType type);

struct Family {
  std::string name;
  FamilyType type = FamilyType::untyped;
  bool typed = false;  // declared by a TYPE line
  bool has_help = false;
  std::string help;  // unescaped
  size_t first_line = 0;
  std::vector<Sample> samples;
};

struct Exposition {
  std::vector<Family> families;  // in order of first appearance
};

struct Problem {
  size_t line = 0;  // 1-based; 0 for the whole text
  std::string message;
};

// Parses `text`, appending syntax and ordering problems (duplicate HELP/TYPE, TYPE after
// samples, non-contiguous families, CR line endings, missing final newline) to `problems`.
Exposition parse_exposition(std::string_view text, std::vector<Problem>& problems);

// The suffix a sample carries relative to its family ("" , "_bucket", "_sum", "_count").
std::string_view sample_suffix(const Family& family, const Sample& sample);

// "name{a=\"1\",b=\"2\"}" with labels sorted by name: the identity of a series. Spelled by core's
// writer (prom_text.h), as is every text made from the parsed form: this file only reads.
std::string series_key(std::string_view name, std::vector<Label> labels);

}  // namespace wpm::prom
