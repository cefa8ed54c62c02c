// `wpm worker …`: the hidden subcommand the master execs for each worker process. Its argv is
// core's worker_argv table (core/options.h), read without CLI11.
#pragma once

#include <span>

namespace wpm::cli {

// `args` starts at "worker".
int run_worker_command(std::span<char* const> args);

}  // namespace wpm::cli
