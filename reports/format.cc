#include "reports/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wpm {

std::string format_rate(double r) {
  if (!std::isfinite(r)) return "-";
  if (r >= 100000) return format_fixed(r / 1000, 1) + "k";
  return format_fixed(r, 1);
}

std::string format_percent_change(double ratio) {
  if (!std::isfinite(ratio)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.1f%%", ratio * 100);
  return buf;
}

size_t display_width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

TextTable::TextTable(std::vector<std::string> header, std::vector<bool> right)
    : right_(std::move(right)) {
  right_.resize(header.size(), false);
  rows_.push_back(std::move(header));
}

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(rows_.front().size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::render(std::string_view indent) const {
  std::vector<size_t> width(rows_.front().size(), 0);
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  std::string out;
  for (const auto& row : rows_) {
    std::string line(indent);
    for (size_t i = 0; i < row.size(); ++i) {
      std::string pad(width[i] - display_width(row[i]), ' ');
      if (i > 0) line += "  ";
      line += right_[i] ? pad + row[i] : row[i] + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

}  // namespace wpm
