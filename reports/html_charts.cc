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
std::string fine_time_label(double v) { return format_fixed(v, 1) + "s"; }

double top_of(const std::vector<svg::Series>& series) {
  double top = 0;
  for (const svg::Series& s : series)
    for (const auto& [x, y] : s.points)
      if (std::isfinite(y)) top = std::max(top, y);
  // An all-zero series (no errors at all) still gets an axis whose integer labels are distinct.
  return top > 0 ? top * 1.08 : 10;
}

std::vector<svg::Marker> event_markers(const ClassResult& c) {
  std::vector<svg::Marker> out;
  for (const InjectedEvent& e : c.events)
    out.push_back({e.delivered ? e.fired_s : e.at_s,
                   e.signal + " " + e.target + (e.delivered ? "" : " (not delivered)")});
  return out;
}

// The steps of one injection as markers: signal, death, spawn, ready, first request. Steps
// closer than `merge_s` (a reaped worker is replaced within microseconds) share one marker.
std::vector<svg::Marker> step_markers(const InjectedEvent& e, double merge_s) {
  std::vector<svg::Marker> out;
  const std::pair<const std::optional<double>*, const char*> steps[] = {
      {&e.times.signal_sent, "signal"}, {&e.times.worker_gone, "gone"},
      {&e.times.replacement_spawned, "spawned"}, {&e.times.replacement_ready, "ready"},
      {&e.times.first_request, "1st req"}};
  for (const auto& [t, name] : steps) {
    if (!t->has_value()) continue;
    if (!out.empty() && **t - out.back().x < merge_s) out.back().label += "+" + std::string(name);
    else out.push_back({**t, name});
  }
  return out;
}

svg::LinePlot timeline_plot(const ClassResult& c, std::string title, std::string y_title) {
  svg::LinePlot p;
  p.title = std::move(title);
  p.width = 560;
  p.height = 220;
  double end = std::max(c.duration_s, c.timeline.empty() ? 1.0 : c.timeline.back().t_s);
  p.x = {"time since the start of the measured phase (s)", 0, std::max(end, 1.0), {}, time_label};
  p.y.title = std::move(y_title);
  p.markers = event_markers(c);
  return p;
}

// A timeline point's width: the interval, cut at the end of the measured phase, so the drain
// after it (a few in-flight responses) is not drawn as a collapse of throughput.
double point_width(const ClassResult& c, const TimelinePoint& t) {
  double interval = c.interval_s > 0 ? c.interval_s : 1;
  return c.duration_s > 0 ? std::min(interval, c.duration_s - t.t_s) : interval;
}

// The class's client throughput per interval, drawn at the middle of each interval (so an
// effect never appears before the signal that caused it), for x in [from, to].
svg::Series throughput(const ClassResult& c, const std::string& color, double from, double to) {
  svg::Series s{"responses/s", color, {}};
  for (const TimelinePoint& t : c.timeline) {
    double width = point_width(c, t);
    double x = t.t_s + width / 2;
    if (width < 0.2 * c.interval_s || x < from || x > to) continue;
    s.points.push_back({x, static_cast<double>(t.completed) / width});
  }
  return s;
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
  std::string every = " (every " + format_seconds(c.interval_s) + ")";
  svg::LinePlot rate = timeline_plot(c, "Throughput" + every + ": " + c.worker_class, "per second");
  svg::LinePlot errs = timeline_plot(c, "Errors" + every + ": " + c.worker_class, "errors per second");
  svg::LinePlot p99 = timeline_plot(c, "p99 latency" + every + ": " + c.worker_class, "p99 (ms)");
  svg::Series server{"server requests/s", "#7f7f7f", {}}, errors{"errors/s", "#c62828", {}},
      lat{"p99", color, {}};
  bool has_server = false;
  for (const TimelinePoint& t : c.timeline) {
    double width = point_width(c, t);
    if (width < 0.2 * c.interval_s) continue;
    double x = t.t_s + width / 2;
    server.points.push_back({x, static_cast<double>(t.server_requests) / width});
    has_server = has_server || t.server_requests > 0;
    errors.points.push_back({x, static_cast<double>(t.errors) / width});
    lat.points.push_back({x, t.p99_s * 1e3});
  }
  rate.series = {throughput(c, color, 0, 1e18)};
  if (has_server) rate.series.push_back(server);
  rate.y = {"per second", 0, top_of(rate.series), {}, rate_label};
  errs.series = {errors};
  errs.y = {"errors per second", 0, top_of(errs.series), {}, rate_label};
  p99.series = {lat};
  p99.y = {"p99 (ms)", 0, top_of(p99.series), {}, ms_label};
  return svg::render_line_plot(rate) + svg::render_line_plot(errs) + svg::render_line_plot(p99);
}

std::string injection_chart(const ClassResult& c, const InjectedEvent& e, const std::string& color) {
  if (!e.times.signal_sent) return "";
  double sent = *e.times.signal_sent;
  double from = std::max(0.0, sent - 1), to = std::min(std::max(c.duration_s, sent), sent + 2);
  svg::LinePlot p;
  p.title = e.signal + " " + e.target + ": throughput around the signal (every " +
            format_seconds(c.interval_s) + ")";
  p.width = 560;
  p.height = 220;
  p.x = {"time since the start of the measured phase (s)", from, std::max(to, from + 0.5), {},
         fine_time_label};
  p.series = {throughput(c, color, from, to)};
  p.y = {"responses per second", 0, top_of(p.series), {}, rate_label};
  p.markers = step_markers(e, (p.x.max - p.x.min) / 40);
  return svg::render_line_plot(p);
}

DipRecovery dip_and_recovery(const ClassResult& c, double at_s) {
  DipRecovery out;
  double before = 0, before_width = 0;
  std::vector<std::pair<double, double>> after;  // (interval start, rate)
  for (const TimelinePoint& t : c.timeline) {
    double width = point_width(c, t);
    if (width < 0.5 * c.interval_s) continue;
    double rate = static_cast<double>(t.completed) / width;
    if (t.t_s + width <= at_s && t.t_s >= at_s - 1) {
      before += static_cast<double>(t.completed);
      before_width += width;
    } else if (t.t_s >= at_s - c.interval_s && t.t_s < at_s + 3) after.push_back({t.t_s, rate});
  }
  if (before_width <= 0 || after.empty()) return out;
  out.before_rps = before / before_width;
  size_t low = 0;
  for (size_t i = 0; i < after.size(); ++i)
    if (after[i].second < after[low].second) low = i;
  out.low_rps = after[low].second;
  out.low_at_s = after[low].first;
  for (size_t i = low; i < after.size(); ++i)
    if (after[i].second >= 0.9 * out.before_rps) {
      out.recovered_s = after[i].first - at_s;
      break;
    }
  out.measured = true;
  return out;
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
