// Inline SVG charts for the HTML report: line plots with linear or pre-transformed axes,
// vertical markers and a legend, and horizontal bar charts. Text is escaped here; no scripts,
// no external references.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wpm::svg {

// &, <, >, " and ' escaped: safe in text and in attribute values.
std::string escape(std::string_view text);

struct Tick {
  double at = 0;
  std::string label;
};

struct Axis {
  std::string title;
  double min = 0, max = 1;
  std::vector<Tick> ticks;  // empty: about 5 "nice" linear ticks, labelled by `format`
  std::string (*format)(double) = nullptr;
};

struct Series {
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;  // in axis coordinates, non-finite skipped
};

struct Marker {
  double x = 0;
  std::string label;
};

struct LinePlot {
  std::string title;
  int width = 600, height = 320;
  Axis x, y;
  std::vector<Series> series;
  std::vector<Marker> markers;  // dashed vertical lines, labelled at the top
};

std::string render_line_plot(const LinePlot& plot);

struct Bar {
  std::string label;
  double value = 0;
  std::string value_text;
};

std::string render_bar_chart(std::string_view title, const std::vector<Bar>& bars,
                             std::string_view color, int width = 420);

// Round bounds and steps (1, 2, 5 × 10^k) covering [min, max].
std::vector<double> nice_ticks(double min, double max, int target_count);

}  // namespace wpm::svg
