#include "cli/bench_command.h"

#include <atomic>
#include <csignal>
#include <iostream>

#include "bench/bench.h"
#include "cli/push_command.h"
#include "core/log.h"

namespace wpm::cli {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted.store(true); }

}  // namespace

void add_bench_command(CLI::App& root, BenchCommand& cmd) {
  cmd.app = root.add_subcommand("bench", "Benchmark worker pools: load, faults, reconciliation, reports");
  cmd.app->add_option("--config", cmd.config_path, "TOML file; flags override it")->check(CLI::ExistingFile);
  add_bench_flags(*cmd.app, cmd.options, cmd.injects, cmd.classes);
}

int run_bench(BenchCommand& cmd) {
  set_log_tag("bench");
  if (Status s = finish_bench_options(cmd.options, cmd.injects, cmd.classes); !s) {
    log_error(s.error().message);
    return s.error().exit_code;
  }
  const BenchOptions& o = cmd.options;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  Result<bench::BenchOutcome> outcome = bench::run_bench(o, g_interrupted);
  if (!outcome) {
    log_error(outcome.error().message);
    return outcome.error().exit_code;
  }
  Result<int> exit_code = bench::report(o, *outcome, std::cout);
  if (!exit_code) {
    log_error(exit_code.error().message);
    return exit_code.error().exit_code;
  }
  if (!o.push_url.empty()) {
    if (Status s = push_bench(o, outcome->result); !s) {
      log_error(s.error().message);
      return s.error().exit_code;
    }
  }
  return *exit_code;
}

}  // namespace wpm::cli
