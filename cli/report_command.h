// `wpm report merge A.json B.json … -o DIR`: the reports of several generators (one per
// --segment) merged exactly (reports/merge.h), then every report format and optionally the push.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/flag_model.h"

namespace wpm::cli {

struct ReportMergeOptions {
  std::string out_dir = "wpm-report";
  std::string json_path, prom_path, html_path;  // default: under out_dir
  std::string push_url, push_job = "wpm_bench";
  std::vector<std::string> push_labels;
  double push_timeout_s = 5;
  int push_retries = 3;
};

OptionTable<ReportMergeOptions> report_merge_option_table();

struct ReportCommand {
  std::vector<std::string> files;
  ReportMergeOptions options;
  OptionTable<ReportMergeOptions> table = report_merge_option_table();
  CLI::App* app = nullptr;
  CLI::App* merge = nullptr;
};

void add_report_command(CLI::App& root, ReportCommand& cmd);
int run_report(ReportCommand& cmd);

}  // namespace wpm::cli
