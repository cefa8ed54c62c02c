// `wpm check-metrics FILE|-`: the strict exposition checker of reports/, for tests and CI.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/flag_model.h"

namespace wpm::cli {

struct CheckMetricsOptions {
  bool push = false;  // the stricter rules of a push payload (no timestamps)
};

OptionTable<CheckMetricsOptions> check_option_table();

struct CheckCommand {
  std::string file;
  CheckMetricsOptions options;
  OptionTable<CheckMetricsOptions> table = check_option_table();
  CLI::App* app = nullptr;
};

void add_check_command(CLI::App& root, CheckCommand& cmd);
int run_check(CheckCommand& cmd);

}  // namespace wpm::cli
