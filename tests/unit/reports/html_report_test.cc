#include "reports/html_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "reports/html_charts.h"
#include "reports/svg_chart.h"
#include "tests/unit/reports/fixture.h"
#include "tests/unit/reports/subprocess.h"

namespace wpm {
namespace {

size_t count(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(HtmlReport, SelfContainedAndEscaped) {
  std::string html = render_bench_html(test::make_bench_result());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  for (const char* external : {"<script", "src=", "href=", "url(", "@import", "<link", "<iframe"})
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  EXPECT_NE(html.find("quote &quot; backslash \\ &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("(reason=abort) &lt;lost 5&gt;"), std::string::npos);
  // The spectrum, then throughput, errors, p99, RSS and CPU per class.
  EXPECT_EQ(count(html, "<svg"), 1u + 3 * 5);
  EXPECT_EQ(count(html, "<title>Errors (every 1.00s): "), 3u);  // errors/s on their own axis
  // The run's verdict banner, then two classes that reconciled.
  EXPECT_EQ(count(html, "class=\"verdict ok\""), 3u);
  EXPECT_EQ(html.find("<div id=\"verdict\" class=\"verdict ok\">Verdict: PASSED"),
            html.find("class=\"verdict ok\"") - 18);
  EXPECT_EQ(count(html, "class=\"verdict bad\">Reconciliation: MISMATCH"), 1u);
  // 2 events in sync and in thread (none in gevent), each marked on all three timelines.
  EXPECT_EQ(count(html, "class=\"marker\""), 12u);
  EXPECT_NE(html.find(">abort worker=1</text>"), std::string::npos);
  EXPECT_NE(html.find(">99.9%</text>"), std::string::npos);
}

// A 100 ms timeline with a dip at 1.5 s: the numbers and the zoomed chart of the injection.
TEST(HtmlCharts, AnInjectionsDipAndRecoveryAtTheInterval) {
  ClassResult c;
  c.worker_class = "sync";
  c.duration_s = 4;
  c.interval_s = 0.1;
  for (int i = 0; i < 40; ++i) c.timeline.push_back({0.1 * i, 100, 0, 0.001, 100});
  c.timeline[15].completed = 20;  // 200 req/s in [1.5, 1.6)
  c.timeline[16].completed = 60;  // 600 req/s, not yet 90 % of 1000
  InjectedEvent e;
  e.signal = "quit", e.target = "worker=0", e.delivered = true, e.fired_s = 1.5;
  e.times.signal_sent = 1.5;
  e.times.worker_gone = 1.58;
  e.times.replacement_spawned = 1.5801;
  e.times.replacement_ready = 1.68;
  c.events.push_back(e);
  DipRecovery d = dip_and_recovery(c, 1.5);
  ASSERT_TRUE(d.measured);
  EXPECT_NEAR(d.before_rps, 1000, 1e-6);
  EXPECT_NEAR(d.low_rps, 200, 1e-6);
  EXPECT_NEAR(d.low_at_s, 1.5, 1e-9);
  EXPECT_NEAR(d.recovered_s, 0.2, 1e-9);  // [1.7, 1.8) is back at 1000
  std::string chart = injection_chart(c, e, "#1f77b4");
  EXPECT_NE(chart.find(">signal</text>"), std::string::npos) << chart;
  EXPECT_NE(chart.find(">gone+spawned</text>"), std::string::npos);  // 0.1 ms apart: one marker
  EXPECT_NE(chart.find(">ready</text>"), std::string::npos);
  EXPECT_EQ(count(chart, "class=\"marker\""), 3u);
  c.timeline[16].completed = c.timeline[17].completed = 10;
  for (int i = 17; i < 40; ++i) c.timeline[i].completed = 10;
  EXPECT_TRUE(std::isnan(dip_and_recovery(c, 1.5).recovered_s));  // never back within 3 s
  InjectedEvent never = e;
  never.times = {};
  EXPECT_EQ(injection_chart(c, never, "#1f77b4"), "");
}

TEST(HtmlReport, EmptyResultStillRenders) {
  BenchResult b;
  b.interrupted = true;
  b.classes.emplace_back();  // nothing measured: no NaN coordinates, no crash
  std::string html = render_bench_html(b);
  EXPECT_NE(html.find("Interrupted"), std::string::npos);
  EXPECT_EQ(html.find("nan"), std::string::npos);
  EXPECT_EQ(html.find("inf"), std::string::npos);
}

TEST(SvgChart, NiceTicks) {
  EXPECT_EQ(svg::nice_ticks(0, 87, 5), (std::vector<double>{0, 20, 40, 60, 80}));
  EXPECT_EQ(svg::nice_ticks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  EXPECT_EQ(svg::escape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

struct Render {
  test::RunResult run;
  std::string png;
};

// A real headless Chromium, network disabled, killed (with its process group) on timeout.
Render chromium_screenshot(const test::TempDir& dir, const std::string& html) {
  std::string page = dir.file("report.html");
  test::write_file(page, html);
  Render r;
  r.png = dir.file("shot.png");
  r.run = test::run_process(
      {"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
       "--no-first-run", "--disable-background-networking", "--disable-component-update",
       "--disable-sync", "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
       "--user-data-dir=" + dir.file("profile"), "--enable-logging=stderr", "--v=0",
       "--screenshot=" + r.png, "--window-size=1280,2000", "file://" + page},
      "", 120);
  return r;
}

// Size, number of distinct colours, then the pixel count of each given colour.
std::vector<long> png_stats(const std::string& png, const std::vector<std::string>& colors) {
  std::vector<std::string> argv{"/usr/bin/python3", "-c", R"(
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB')
hist = dict((c, n) for n, c in im.getcolors(1 << 24))
print(im.size[0], im.size[1], len(hist), end='')
for h in sys.argv[2:]:
    print('', hist.get(tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)), 0), end='')
)", png};
  argv.insert(argv.end(), colors.begin(), colors.end());
  test::RunResult r = test::run_process(argv, "", 60);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<long> out;
  std::istringstream in(r.out);
  for (long v; in >> v;) out.push_back(v);
  return out;
}

TEST(HtmlReport, RendersInHeadlessChromium) {
  test::TempDir dir;
  Render r = chromium_screenshot(dir, render_bench_html(test::make_bench_result()));
  ASSERT_FALSE(r.run.timed_out) << r.run.err;
  ASSERT_EQ(r.run.exit_code, 0) << r.run.err;
  EXPECT_EQ(r.run.err.find(":CONSOLE"), std::string::npos) << "console output:\n" << r.run.err;
  std::vector<long> s = png_stats(r.png, {class_color(0), class_color(1), class_color(2)});
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0], 1280);
  EXPECT_EQ(s[1], 2000);
  EXPECT_GT(s[2], 100) << "a blank or near-blank page";
  for (int i = 3; i < 6; ++i)  // the legend swatches and bars of each class are painted
    EXPECT_GT(s[i], 100) << "pixels of " << class_color(i - 3);
}

TEST(HtmlReport, ConsoleCheckCatchesErrors) {
  // The control for the test above: a page with a script error does show up in the log.
  test::TempDir dir;
  Render r = chromium_screenshot(dir, "<!DOCTYPE html><p>x</p><script>undefinedFn();</script>");
  ASSERT_FALSE(r.run.timed_out);
  EXPECT_NE(r.run.err.find(":CONSOLE"), std::string::npos) << r.run.err;
  EXPECT_NE(r.run.err.find("Uncaught ReferenceError"), std::string::npos);
}

}  // namespace
}  // namespace wpm
