// `wpm bench`: every selected worker class in turn, then the reports, the regression gate and
// the push — reports first, so an unreachable gateway never loses them.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/bench_options.h"

namespace wpm::cli {

struct BenchCommand {
  BenchOptions options;
  std::vector<std::string> injects;
  std::string classes;
  std::string config_path;
  bool defaults = false;  // bare `wpm bench`: the embedded scenario
  CLI::App* app = nullptr;
};

void add_bench_command(CLI::App& root, BenchCommand& cmd);
int run_bench(BenchCommand& cmd);

}  // namespace wpm::cli
