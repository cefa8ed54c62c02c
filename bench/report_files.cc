// The end of a bench: console table, report files, regression gate (bench.h).
#include <fstream>
#include <iostream>

#include "bench/bench.h"
#include "core/log.h"
#include "reports/console_report.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/prom_report.h"
#include "reports/regression.h"

namespace wpm::bench {
namespace {

// "-" is standard output (the caller then prints its own lines to stderr).
Status write_file(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text << std::flush;
    if (!std::cout) return Error{"writing a report to stdout failed", kExitRuntime};
    return {};
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return errno_error("writing " + path);
  return {};
}

Result<BenchResult> read_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read --baseline " + path, kExitUsage};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<BenchResult> parsed = parse_bench_json(text);
  if (!parsed) return Error{path + ": " + parsed.error().message, kExitUsage};
  return parsed;
}

}  // namespace

Result<std::vector<std::string>> write_reports(const BenchOptions& o, const BenchResult& r) {
  std::string json = o.json_path.empty() ? o.out_dir + "/report.json" : o.json_path;
  std::string prom = o.prom_path.empty() ? o.out_dir + "/report.prom" : o.prom_path;
  std::string html = o.html_path.empty() ? o.out_dir + "/report.html" : o.html_path;
  const std::pair<std::string, std::string> files[] = {
      {json, render_bench_json(r)}, {prom, render_bench_prometheus(r)}, {html, render_bench_html(r)}};
  std::vector<std::string> written;
  for (const auto& [path, text] : files) {
    if (Status s = write_file(path, text); !s) return s.error();
    written.push_back(path);
  }
  return written;
}

Result<int> apply_gate(const BenchOptions& o, const BenchResult& r, std::ostream& out) {
  if (o.fail_on.empty()) return kExitOk;
  Result<std::vector<Threshold>> thresholds = parse_fail_on(o.fail_on);
  if (!thresholds) return thresholds.error();
  std::optional<BenchResult> baseline;
  if (!o.baseline.empty()) {
    Result<BenchResult> read = read_baseline(o.baseline);
    if (!read) return read.error();
    baseline = std::move(*read);
  }
  GateReport gate = regression_gate(r, baseline ? &*baseline : nullptr, *thresholds);
  out << gate.table;
  return gate.passed ? kExitOk : kExitThreshold;
}

Result<int> report(const BenchOptions& o, const BenchOutcome& outcome, std::ostream& out) {
  out << render_console(outcome.result) << std::flush;
  Result<std::vector<std::string>> written = write_reports(o, outcome.result);
  if (!written) return Error{written.error().message, kExitRuntime};
  for (const std::string& path : *written) out << "wrote " << (path == "-" ? "stdout" : path) << "\n";
  if (outcome.result.interrupted)
    return Error{"bench: interrupted; the reports hold what was measured", kExitRuntime};
  Result<int> gate = apply_gate(o, outcome.result, out);
  if (!gate) return gate.error();
  return outcome.exit_code != kExitOk ? outcome.exit_code : *gate;
}

}  // namespace wpm::bench
