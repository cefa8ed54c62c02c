// `wpm push` (a file or a live scrape to a Pushgateway) and the bench's --push-url.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/bench_options.h"
#include "cli/flag_model.h"
#include "core/bench_result.h"
#include "core/result.h"

namespace wpm::cli {

struct PushOptions {
  std::string url, job, file, scrape, ca_file;
  std::vector<std::string> labels;
  bool add = false, del = false;
  double timeout_s = 5;
  int retries = 3;
};

OptionTable<PushOptions> push_option_table();

struct PushCommand {
  PushOptions options;
  OptionTable<PushOptions> table = push_option_table();
  CLI::App* app = nullptr;
};

void add_push_command(CLI::App& root, PushCommand& cmd);
int run_push(PushCommand& cmd);
// Pushes the bench results as gauges (PUT: the group holds the latest run only).
Status push_bench(const BenchOptions& options, const BenchResult& result);

}  // namespace wpm::cli
