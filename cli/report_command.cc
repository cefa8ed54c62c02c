#include "cli/report_command.h"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <iostream>

#include "bench/bench.h"
#include "cli/flag_kinds.h"
#include "cli/push_command.h"
#include "core/log.h"
#include "reports/console_report.h"
#include "reports/json_report.h"
#include "reports/merge.h"

namespace wpm::cli {
namespace {

using Opt = Option<ReportMergeOptions>;
using O = ReportMergeOptions;

int fail(const Error& e) {
  log_error(e.message);
  return e.exit_code;
}

Status check_url(const std::string& text) { return text.empty() ? Status{} : check_http_url(text); }

Result<NamedReport> read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"report merge: cannot read '" + path + "'", kExitUsage};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<BenchResult> parsed = parse_bench_json(text);
  if (!parsed) return Error{"report merge: " + path + ": " + parsed.error().message, kExitUsage};
  return NamedReport{path, std::move(*parsed)};
}

// The bench's report writers and push take their paths from BenchOptions: the same files,
// the same defaults under --out.
BenchOptions as_bench_options(const ReportMergeOptions& o) {
  BenchOptions b;
  b.out_dir = o.out_dir;
  b.json_path = o.json_path, b.prom_path = o.prom_path, b.html_path = o.html_path;
  b.push_url = o.push_url, b.push_job = o.push_job, b.push_labels = o.push_labels;
  b.push_timeout_s = o.push_timeout_s, b.push_retries = o.push_retries;
  return b;
}

Status check_outputs(const ReportMergeOptions& o) {
  int on_stdout = (o.json_path == "-") + (o.prom_path == "-") + (o.html_path == "-");
  if (on_stdout > 1) return Error{"--json, --prom, --html: only one report can go to stdout (-)", kExitUsage};
  return {};
}

}  // namespace

OptionTable<ReportMergeOptions> report_merge_option_table() {
  std::vector<Opt> options{
      {"--out,-o", "", "Directory of the merged reports", text(&O::out_dir, check_not_empty, "DIR")},
      {"--json", "", "Merged JSON report path, - = stdout (default OUT/report.json)", text(&O::json_path, check_output_path, "FILE")},
      {"--prom", "", "Merged Prometheus text path, - = stdout (default OUT/report.prom)", text(&O::prom_path, check_output_path, "FILE")},
      {"--html", "", "Merged HTML report path, - = stdout (default OUT/report.html)", text(&O::html_path, check_output_path, "FILE")},
      {"--push-url", "", "Push the merged results to this Pushgateway (credentials: WPM_PUSH_USERNAME / WPM_PUSH_PASSWORD)", text(&O::push_url, check_url, "URL")},
      {"--push-job", "", "Pushgateway job", text(&O::push_job, check_not_empty, "JOB")},
      {"--push-label", "", "Grouping label K=V (repeatable)", texts(&O::push_labels, check_label_pair, "K=V")},
      {"--push-timeout", "", "Per-attempt push timeout", duration(&O::push_timeout_s, 0.001, 3600)},
      {"--push-retries", "", "Push retries after the first attempt", count(&O::push_retries, 0, 100)},
  };
  return OptionTable<ReportMergeOptions>(std::move(options));
}

void add_report_command(CLI::App& root, ReportCommand& cmd) {
  cmd.app = root.add_subcommand("report", "Work with bench reports: merge the reports of several generators");
  cmd.app->require_subcommand(1);
  cmd.merge = cmd.app->add_subcommand(
      "merge", "Merge the JSON reports of the generators of one scenario (--segment I/N) into one: exact "
               "histograms, summed counts, wall-time timeline, reconciliation, every report format");
  cmd.merge->add_option("reports", cmd.files, "JSON reports written by wpm bench")->required()->type_name("REPORT.json");
  cmd.table.add_to(*cmd.merge, ReportMergeOptions{});
}

int run_report(ReportCommand& cmd) {
  set_log_tag("report");
  ReportMergeOptions& o = cmd.options;
  if (Status s = cmd.table.apply_flags(o); !s) return fail(s.error());
  if (Status s = check_outputs(o); !s) return fail(s.error());
  std::vector<NamedReport> reports;
  for (const std::string& path : cmd.files) {
    Result<NamedReport> r = read_report(path);
    if (!r) return fail(r.error());
    reports.push_back(std::move(*r));
  }
  Result<BenchResult> merged = merge_reports(reports);
  if (!merged) return fail(merged.error());
  if (mkdir(o.out_dir.c_str(), 0700) != 0 && errno != EEXIST) return fail(errno_error("creating report directory " + o.out_dir));
  BenchOptions b = as_bench_options(o);
  bool report_on_stdout = o.json_path == "-" || o.prom_path == "-" || o.html_path == "-";
  std::ostream& out = report_on_stdout ? std::cerr : std::cout;
  out << "merged " << reports.size() << " reports\n" << render_console(*merged) << std::flush;
  Result<std::vector<std::string>> written = bench::write_reports(b, *merged);
  if (!written) return fail(Error{written.error().message, kExitRuntime});
  for (const std::string& path : *written) out << "wrote " << (path == "-" ? "stdout" : path) << "\n";
  if (!o.push_url.empty())
    if (Status s = push_bench(b, *merged); !s) return fail(s.error());
  if (!merged->verdict.passed) {
    out << "verdict: FAILED\n";
    for (const std::string& reason : merged->verdict.reasons) out << "  " << reason << "\n";
    return kExitThreshold;
  }
  return kExitOk;
}

}  // namespace wpm::cli
