// `wpm check-metrics FILE|-`: the strict exposition checker of reports/, for tests and CI.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace wpm::cli {

struct CheckCommand {
  std::string file;
  bool push = false;  // the stricter rules of a push payload (no timestamps)
  CLI::App* app = nullptr;
};

void add_check_command(CLI::App& root, CheckCommand& cmd);
int run_check(CheckCommand& cmd);

}  // namespace wpm::cli
