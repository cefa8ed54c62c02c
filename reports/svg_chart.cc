#include "reports/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "reports/format.h"

namespace wpm::svg {
namespace {

constexpr double kLeft = 64, kRight = 16, kTop = 34, kBottom = 46;

std::string num(double v) { return format_fixed(v, 1); }

std::string default_label(double v) {
  std::string s = format_fixed(v, std::fabs(v) < 10 && v != std::floor(v) ? 2 : 0);
  return s;
}

// Maps axis coordinates to pixels inside the plot area.
struct Frame {
  const LinePlot& p;
  double px(double x) const {
    double w = p.width - kLeft - kRight;
    return kLeft + (x - p.x.min) / (p.x.max - p.x.min) * w;
  }
  double py(double y) const {
    double h = p.height - kTop - kBottom;
    return kTop + h - (y - p.y.min) / (p.y.max - p.y.min) * h;
  }
};

std::vector<Tick> ticks_of(const Axis& a) {
  if (!a.ticks.empty()) return a.ticks;
  std::vector<Tick> out;
  for (double v : nice_ticks(a.min, a.max, 5))
    out.push_back({v, a.format ? a.format(v) : default_label(v)});
  return out;
}

void axes(std::string& out, const LinePlot& p, const Frame& f) {
  double x0 = kLeft, x1 = p.width - kRight, y0 = kTop, y1 = p.height - kBottom;
  for (const Tick& t : ticks_of(p.y)) {
    if (t.at < p.y.min || t.at > p.y.max) continue;
    out += "<line class=\"grid\" x1=\"" + num(x0) + "\" x2=\"" + num(x1) + "\" y1=\"" +
           num(f.py(t.at)) + "\" y2=\"" + num(f.py(t.at)) + "\"/>";
    out += "<text class=\"tick\" x=\"" + num(x0 - 6) + "\" y=\"" + num(f.py(t.at) + 4) +
           "\" text-anchor=\"end\">" + escape(t.label) + "</text>";
  }
  for (const Tick& t : ticks_of(p.x)) {
    if (t.at < p.x.min || t.at > p.x.max) continue;
    out += "<line class=\"grid\" y1=\"" + num(y0) + "\" y2=\"" + num(y1) + "\" x1=\"" +
           num(f.px(t.at)) + "\" x2=\"" + num(f.px(t.at)) + "\"/>";
    out += "<text class=\"tick\" x=\"" + num(f.px(t.at)) + "\" y=\"" + num(y1 + 16) +
           "\" text-anchor=\"middle\">" + escape(t.label) + "</text>";
  }
  out += "<rect class=\"frame\" x=\"" + num(x0) + "\" y=\"" + num(y0) + "\" width=\"" +
         num(x1 - x0) + "\" height=\"" + num(y1 - y0) + "\"/>";
  out += "<text class=\"axis\" x=\"" + num((x0 + x1) / 2) + "\" y=\"" + num(p.height - 8.0) +
         "\" text-anchor=\"middle\">" + escape(p.x.title) + "</text>";
  out += "<text class=\"axis\" transform=\"translate(14," + num((y0 + y1) / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(p.y.title) + "</text>";
}

void lines(std::string& out, const LinePlot& p, const Frame& f) {
  for (const Series& s : p.series) {
    std::string pts;
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      double cy = std::clamp(f.py(y), kTop, p.height - kBottom);
      if (!pts.empty()) pts.push_back(' ');
      pts.append(num(f.px(x))).append(",").append(num(cy));
    }
    out += "<polyline class=\"series\" fill=\"none\" stroke=\"" + escape(s.color) +
           "\" stroke-width=\"2\" points=\"" + pts + "\"><title>" + escape(s.name) +
           "</title></polyline>";
  }
}

void markers(std::string& out, const LinePlot& p, const Frame& f) {
  int row = 0;
  for (const Marker& m : p.markers) {
    if (!std::isfinite(m.x) || m.x < p.x.min || m.x > p.x.max) continue;
    std::string x = num(f.px(m.x));
    out += "<line class=\"marker\" x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + num(kTop) +
           "\" y2=\"" + num(p.height - kBottom) + "\"/>";
    // Alternate label rows so neighbouring markers stay readable.
    out += "<text class=\"marker-label\" x=\"" + num(f.px(m.x) + 3) + "\" y=\"" +
           num(kTop + 12 + 12 * (row++ % 2)) + "\">" + escape(m.label) + "</text>";
  }
}

void legend(std::string& out, const LinePlot& p) {
  double x = kLeft;
  for (const Series& s : p.series) {
    out += "<rect class=\"swatch\" x=\"" + num(x) + "\" y=\"20\" width=\"14\" height=\"8\" fill=\"" +
           escape(s.color) + "\"/>";
    out += "<text class=\"legend\" x=\"" + num(x + 18) + "\" y=\"28\">" + escape(s.name) + "</text>";
    x += 32 + 7.0 * static_cast<double>(display_width(s.name));
  }
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::vector<double> nice_ticks(double min, double max, int target_count) {
  if (!(max > min) || !std::isfinite(min) || !std::isfinite(max)) return {min};
  double raw = (max - min) / std::max(1, target_count);
  double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag * (raw / mag < 1.5 ? 1 : raw / mag < 3.5 ? 2 : raw / mag < 7.5 ? 5 : 10);
  std::vector<double> out;
  for (double v = std::ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  return out;
}

std::string render_line_plot(const LinePlot& p) {
  Frame f{p};
  std::string out = "<svg class=\"chart\" width=\"" + std::to_string(p.width) + "\" height=\"" +
                    std::to_string(p.height) + "\" viewBox=\"0 0 " + std::to_string(p.width) +
                    " " + std::to_string(p.height) + "\" role=\"img\">";
  out += "<title>" + escape(p.title) + "</title>";
  out += "<text class=\"title\" x=\"" + num(kLeft) + "\" y=\"13\">" + escape(p.title) + "</text>";
  axes(out, p, f);
  lines(out, p, f);
  markers(out, p, f);
  legend(out, p);
  return out + "</svg>";
}

std::string render_bar_chart(std::string_view title, const std::vector<Bar>& bars,
                             std::string_view color, int width) {
  constexpr double kLabel = 150, kRow = 22, kHead = 24;
  double top = 1e-12;
  for (const Bar& b : bars) top = std::max(top, std::isfinite(b.value) ? b.value : 0);
  double height = kHead + kRow * static_cast<double>(bars.size()) + 6;
  std::string out = "<svg class=\"chart bars\" width=\"" + std::to_string(width) + "\" height=\"" +
                    num(height) + "\" role=\"img\"><title>" + escape(title) + "</title>";
  out += "<text class=\"title\" x=\"0\" y=\"14\">" + escape(title) + "</text>";
  double span = width - kLabel - 70;
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    double y = kHead + kRow * static_cast<double>(i);
    double w = std::isfinite(b.value) && b.value > 0 ? std::max(1.0, b.value / top * span) : 0;
    out += "<text class=\"tick\" x=\"" + num(kLabel - 6) + "\" y=\"" + num(y + 14) +
           "\" text-anchor=\"end\">" + escape(b.label) + "</text>";
    out += "<rect x=\"" + num(kLabel) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(w) +
           "\" height=\"15\" fill=\"" + escape(color) + "\"/>";
    out += "<text class=\"tick\" x=\"" + num(kLabel + w + 5) + "\" y=\"" + num(y + 14) + "\">" +
           escape(b.value_text) + "</text>";
  }
  return out + "</svg>";
}

}  // namespace wpm::svg
