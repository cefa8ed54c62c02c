#include "reports/console_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "reports/format.h"
#include "tests/unit/reports/fixture.h"

namespace wpm {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(Format, RatesAndChanges) {
  EXPECT_EQ(format_rate(123456), "123.5k");
  EXPECT_EQ(format_rate(NAN), "-");
  EXPECT_EQ(format_rate(3000.25), "3000.2");
  EXPECT_EQ(format_percent_change(0.1234), "+12.3%");
  EXPECT_EQ(format_percent_change(-0.05), "-5.0%");
}

TEST(Format, TableAlignsColumns) {
  TextTable t({"name", "n"}, {false, true});
  t.add_row({"a", "1000"});
  t.add_row({"µs-long", "7"});
  EXPECT_EQ(t.render(), "name        n\na        1000\nµs-long     7\n");
}

TEST(ConsoleReport, SummaryRowPerClassAligned) {
  std::string text = render_console(test::make_bench_result());
  std::vector<std::string> l = lines(text);
  ASSERT_GE(l.size(), 6u);
  EXPECT_EQ(l[0].rfind("wpm bench: 3 worker class(es), 10.0 s, 32 connections, closed loop on ci-runner-3", 0), 0u) << l[0];
  const std::string& header = l[2];
  ASSERT_EQ(header.rfind("class", 0), 0u) << text;
  size_t p99_end = header.find("p99 ") + 3;  // right-aligned: every row's p99 ends here
  for (int row = 3; row <= 5; ++row) {
    ASSERT_GT(l[row].size(), p99_end) << l[row];
    EXPECT_NE(l[row][p99_end - 1], ' ') << l[row];
    EXPECT_EQ(l[row][p99_end], ' ') << l[row];
  }
  EXPECT_NE(l[3].find("sync"), std::string::npos);
  EXPECT_NE(l[3].find("3000.2"), std::string::npos);
  EXPECT_NE(l[3].find("43.6ms"), std::string::npos);  // the fixture's p99
  EXPECT_NE(l[3].find(" ok"), std::string::npos);
  EXPECT_NE(l[4].find("MISMATCH"), std::string::npos);
  EXPECT_NE(l[3].find("  22  "), std::string::npos) << "errors: 2 + 5 + 11 + 4";
}

TEST(ConsoleReport, DetailsPerClass) {
  std::string text = render_console(test::make_bench_result());
  EXPECT_NE(text.find("  errors:    connect 2, reset 5, HTTP 500 11, HTTP 503 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  restarts:  abort 1, quit 1\n"), std::string::npos);
  EXPECT_NE(text.find("  event:     at 6.00s abort worker=1: worker 1 replaced in 0.11 s"), std::string::npos);
  EXPECT_NE(text.find("18.0MiB  35.5%"), std::string::npos) << text;
  EXPECT_NE(text.find("  reconciliation: MISMATCH: server counted 3 more"), std::string::npos);
}

TEST(ConsoleReport, InterruptedAndEmpty) {
  BenchResult b;
  b.interrupted = true;
  std::string text = render_console(b);
  EXPECT_NE(text.find("[INTERRUPTED: partial results]"), std::string::npos);
  EXPECT_NE(text.find("class  req/s"), std::string::npos);
}

}  // namespace
}  // namespace wpm
