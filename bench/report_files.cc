// The end of a bench: console table, report files, regression gate (bench.h).
#include <fstream>
#include <iostream>

#include "bench/bench.h"
#include "core/log.h"
#include "core/safe_file.h"
#include "reports/console_report.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/prom_report.h"
#include "reports/regression.h"

namespace wpm::bench {
namespace {

// "-" is standard output (the caller then prints its own lines to stderr). --out may be a
// shared directory: a symlink or another user's file planted at a report's path is replaced,
// never written through (core/safe_file.h).
Status write_file(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text << std::flush;
    if (!std::cout) return Error{"writing a report to stdout failed", kExitRuntime};
    return {};
  }
  if (Status s = replace_file(path, text, 0600); !s) return Error{"writing " + path + ": " + s.error().message};
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

Result<GateResult> evaluate_gate(const BenchOptions& o, const BenchResult& r, std::string* table) {
  GateResult gate;
  if (o.fail_on.empty()) return gate;
  Result<std::vector<Threshold>> thresholds = parse_fail_on(o.fail_on);
  if (!thresholds) return thresholds.error();
  std::optional<BenchResult> baseline;
  if (!o.baseline.empty()) {
    Result<BenchResult> read = read_baseline(o.baseline);
    if (!read) return read.error();
    baseline = std::move(*read);
  }
  GateReport report = regression_gate(r, baseline ? &*baseline : nullptr, *thresholds);
  if (table != nullptr) *table = report.table;
  gate.applied = true;
  gate.passed = report.passed;
  gate.fail_on = o.fail_on;
  gate.baseline_path = o.baseline;
  gate.checks = std::move(report.rows);
  gate.notes = std::move(report.notes);
  gate.warnings = std::move(report.warnings);
  return gate;
}

// The gate is decided before the files are written, so every report (and the push after it)
// carries its verdict; its table is printed after the file names, as the last word.
Result<int> report(const BenchOptions& o, BenchOutcome& outcome, std::ostream& out) {
  BenchResult& result = outcome.result;
  std::string gate_table;
  Result<GateResult> gate =
      result.interrupted ? Result<GateResult>(GateResult{}) : evaluate_gate(o, result, &gate_table);
  if (gate) result.gate = *gate;
  out << render_console(result) << std::flush;
  Result<std::vector<std::string>> written = write_reports(o, result);
  if (!written) return Error{written.error().message, kExitRuntime};
  for (const std::string& path : *written) out << "wrote " << (path == "-" ? "stdout" : path) << "\n";
  if (result.interrupted)
    return Error{"bench: interrupted; the reports hold what was measured", kExitRuntime};
  if (!gate) return gate.error();
  out << gate_table;
  if (!result.verdict.passed) {
    out << "verdict: FAILED\n";
    for (const std::string& reason : result.verdict.reasons) out << "  " << reason << "\n";
  }
  int gate_code = result.gate.passed ? kExitOk : kExitThreshold;
  return outcome.exit_code != kExitOk ? outcome.exit_code : gate_code;
}

}  // namespace wpm::bench
