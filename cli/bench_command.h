// `wpm bench`: every selected worker class in turn, then the reports, the regression gate and
// the push — reports first, so an unreachable gateway never loses them.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/bench_options.h"

namespace wpm::cli {

struct BenchCommand {
  BenchOptions options;
  std::string config_path;  // -c/--config
  OptionTable<BenchOptions> table = bench_option_table();
  CLI::App* app = nullptr;
};

void add_bench_command(CLI::App& root, BenchCommand& cmd);
// The default scenario < the config file < the flags, then validate_bench(): every check
// runs here, before any pool starts.
Status resolve_bench(BenchCommand& cmd);
int run_bench(BenchCommand& cmd);

}  // namespace wpm::cli
