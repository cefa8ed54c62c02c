#include "reports/html_charts.h"

#include <algorithm>
#include <cmath>

#include "reports/format.h"
#include "reports/svg_chart.h"

namespace wpm {
namespace {

// The x of a percentile on the spectrum chart; `right` is where 100 % (the max) goes.
double spectrum_x(double percentile, double right) {
  if (percentile >= 100) return right;
  return std::log10(100 / (100 - std::max(0.0, percentile)));
}

std::vector<PercentilePoint> spectrum_points(const LatencySummary& l) {
  if (!l.spectrum.empty()) return l.spectrum;
  if (l.count == 0) return {};
  return {{50, l.p50_s}, {90, l.p90_s}, {99, l.p99_s}, {99.9, l.p999_s}, {100, l.max_s}};
}

std::string ms_label(double v) { return v == 0 ? "0" : format_fixed(v, v < 1 ? 2 : v < 10 ? 1 : 0); }
std::string rate_label(double v) { return format_fixed(v, 0); }
std::string time_label(double v) { return format_fixed(v, 0) + "s"; }

double top_of(const std::vector<svg::Series>& series) {
  double top = 0;
  for (const svg::Series& s : series)
    for (const auto& [x, y] : s.points)
      if (std::isfinite(y)) top = std::max(top, y);
  return top > 0 ? top * 1.08 : 1;
}

std::vector<svg::Marker> event_markers(const ClassResult& c) {
  std::vector<svg::Marker> out;
  for (const InjectedEvent& e : c.events)
    out.push_back({e.delivered ? e.fired_s : e.at_s,
                   e.signal + " " + e.target + (e.delivered ? "" : " (not delivered)")});
  return out;
}

svg::LinePlot timeline_plot(const ClassResult& c, std::string title, std::string y_title) {
  svg::LinePlot p;
  p.title = std::move(title);
  p.width = 560;
  p.height = 260;
  double end = std::max(c.duration_s, c.timeline.empty() ? 1.0 : c.timeline.back().t_s);
  p.x = {"time since the start of the measured phase (s)", 0, std::max(end, 1.0), {}, time_label};
  p.y.title = std::move(y_title);
  p.markers = event_markers(c);
  return p;
}

}  // namespace

std::string class_color(size_t index) {
  static constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                             "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  return kPalette[index % std::size(kPalette)];
}

std::string spectrum_chart(const BenchResult& result) {
  double finite_max = 2;  // at least up to 99 %
  for (const ClassResult& c : result.classes)
    for (const PercentilePoint& p : spectrum_points(c.latency))
      if (p.percentile < 100) finite_max = std::max(finite_max, spectrum_x(p.percentile, 0));
  double right = std::ceil(finite_max - 1e-9) + 0.6;
  svg::LinePlot plot;
  plot.title = "Latency by percentile (intended send time to response)";
  plot.width = 900;
  plot.height = 380;
  plot.x = {"percentile", 0, right, {}, nullptr};
  static constexpr const char* kTickNames[] = {"0%", "90%", "99%", "99.9%", "99.99%",
                                               "99.999%", "99.9999%", "99.99999%"};
  for (int k = 0; k <= static_cast<int>(right - 0.6) && k < 8; ++k)
    plot.x.ticks.push_back({static_cast<double>(k), kTickNames[k]});
  plot.x.ticks.push_back({right, "max"});
  for (size_t i = 0; i < result.classes.size(); ++i) {
    svg::Series s{result.classes[i].worker_class, class_color(i), {}};
    for (const PercentilePoint& p : spectrum_points(result.classes[i].latency))
      s.points.push_back({spectrum_x(p.percentile, right), p.seconds * 1e3});
    plot.series.push_back(std::move(s));
  }
  plot.y = {"latency (ms)", 0, top_of(plot.series), {}, ms_label};
  return svg::render_line_plot(plot);
}

std::string timeline_charts(const ClassResult& c, const std::string& color) {
  svg::LinePlot rate = timeline_plot(c, "Throughput: " + c.worker_class, "responses per second");
  svg::LinePlot p99 = timeline_plot(c, "p99 latency per second: " + c.worker_class, "p99 (ms)");
  svg::Series done{"responses/s", color, {}}, errors{"errors/s", "#7f7f7f", {}}, lat{"p99", color, {}};
  for (const TimelinePoint& t : c.timeline) {
    // A point covers [t_s, t_s + 1) cut at the end of the measured phase: drawn at the middle
    // of what it covers and divided by that width, so an effect never appears before the
    // signal that caused it, and the drain after the phase (a few in-flight responses) is not
    // drawn as a collapse of throughput.
    double width = c.duration_s > 0 ? std::min(1.0, c.duration_s - t.t_s) : 1.0;
    if (width < 0.05) continue;
    double x = t.t_s + width / 2;
    done.points.push_back({x, static_cast<double>(t.completed) / width});
    errors.points.push_back({x, static_cast<double>(t.errors) / width});
    lat.points.push_back({x, t.p99_s * 1e3});
  }
  rate.series = {done, errors};
  rate.y = {"per second", 0, top_of(rate.series), {}, rate_label};
  p99.series = {lat};
  p99.y = {"p99 (ms)", 0, top_of(p99.series), {}, ms_label};
  return svg::render_line_plot(rate) + svg::render_line_plot(p99);
}

std::string worker_charts(const ClassResult& c, const std::string& color) {
  std::vector<svg::Bar> rss, cpu;
  for (const WorkerRow& w : c.workers) {
    std::string label = "#";  // appended, not "#" + …: GCC 12 -O3 warns falsely on that
    label.append(std::to_string(w.index)).append(" ").append(to_string(w.state));
    rss.push_back({label, static_cast<double>(w.rss_bytes), format_bytes(w.rss_bytes)});
    cpu.push_back({label, w.cpu_percent, format_fixed(w.cpu_percent, 1) + "%"});
  }
  return svg::render_bar_chart("Worker RSS: " + c.worker_class, rss, color) +
         svg::render_bar_chart("Worker CPU: " + c.worker_class, cpu, color);
}

}  // namespace wpm
