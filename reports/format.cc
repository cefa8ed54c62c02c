#include "reports/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wpm {
namespace {

std::string printf_string(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// 3 significant digits: 1.23, 12.3, 123.
std::string three_digits(double v) {
  if (v >= 99.95) return printf_string("%.0f", v);
  if (v >= 9.995) return printf_string("%.1f", v);
  return printf_string("%.2f", v);
}

}  // namespace

std::string format_seconds(double s) {
  if (!std::isfinite(s)) return "-";
  if (s == 0) return "0";
  double a = std::fabs(s);
  if (a >= 0.9995) return three_digits(s) + "s";
  if (a >= 0.0009995) return three_digits(s * 1e3) + "ms";
  if (a >= 0.0000009995) return three_digits(s * 1e6) + "us";
  return three_digits(s * 1e9) + "ns";
}

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kUnits)) v /= 1024, ++u;
  return u == 0 ? std::to_string(bytes) + "B" : printf_string("%.1f", v) + kUnits[u];
}

std::string format_rate(double r) {
  if (!std::isfinite(r)) return "-";
  if (r >= 100000) return printf_string("%.1f", r / 1000) + "k";
  return printf_string("%.1f", r);
}

std::string format_fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string format_percent_change(double ratio) {
  if (!std::isfinite(ratio)) return "n/a";
  return printf_string("%+.1f", ratio * 100) + "%";
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
