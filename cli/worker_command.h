// `wpm worker`: the hidden subcommand the master execs for each worker process.
#pragma once

#include <CLI/CLI.hpp>

#include "core/options.h"

namespace wpm::cli {

struct WorkerCommand {
  WorkerOptions options;
  CLI::App* app = nullptr;
};

void add_worker_command(CLI::App& root, WorkerCommand& cmd);
int run_worker_command(WorkerCommand& cmd);

}  // namespace wpm::cli
