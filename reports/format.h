// Human-readable numbers only reports use (rates, changes) and a column-aligned text table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/format.h"

namespace wpm {

// Durations, sizes and fixed decimals come from core/format.h.
std::string format_rate(double per_second);  // "3000.3", "12.0k" above 100k
std::string format_percent_change(double ratio);  // +0.123 -> "+12.3%"

class TextTable {
 public:
  // `right` marks the columns aligned right (numbers).
  TextTable(std::vector<std::string> header, std::vector<bool> right);
  void add_row(std::vector<std::string> cells);
  // Columns separated by two spaces, each line prefixed by `indent`, no trailing blanks.
  std::string render(std::string_view indent = "") const;

 private:
  std::vector<std::vector<std::string>> rows_;  // header first
  std::vector<bool> right_;
};

// Display width in terminal columns, counting UTF-8 code points (no wide characters used).
size_t display_width(std::string_view text);

}  // namespace wpm
