// wpm: supervisor and benchmarking harness for pre-fork HTTP worker pools.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstring>

#include "cli/bench_command.h"
#include "cli/check_command.h"
#include "cli/config.h"
#include "cli/control_commands.h"
#include "cli/push_command.h"
#include "cli/serve_command.h"
#include "cli/worker_command.h"
#include "core/log.h"
#include "core/version.h"

namespace {

using namespace wpm;
using namespace wpm::cli;

// Loads the subcommand's --config file before CLI11 parses the flags, so flags override it.
Status preload_config(int argc, const char* const* argv, ServeCommand& serve,
                      BenchCommand& bench) {
  if (argc < 2) return {};
  bool is_bench = std::strcmp(argv[1], "bench") == 0;
  if (is_bench && argc == 2) bench.options = default_scenario();  // bare `wpm bench`
  std::string path = find_config_arg(argc, argv);
  if (path.empty()) return {};
  if (std::strcmp(argv[1], "serve") == 0) return load_serve_config(path, serve.options);
  if (is_bench) return load_bench_config(path, bench.options);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // Workers start often (every restart): their argv is core's table, no CLI11 needed.
  if (argc > 1 && std::strcmp(argv[1], "worker") == 0)
    return run_worker_command({argv + 1, static_cast<size_t>(argc - 1)});
  CLI::App app{"wpm: supervise, measure and benchmark pre-fork HTTP worker pools", "wpm"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "wpm " + std::string(wpm_version()));

  ServeCommand serve;
  SignalCommand signal;
  StatusCommand status;
  CheckCommand check;
  BenchCommand bench;
  PushCommand push;
  add_serve_command(app, serve);
  add_signal_command(app, signal);
  add_status_command(app, status);
  add_check_command(app, check);
  add_bench_command(app, bench);
  add_push_command(app, push);

  if (Status s = preload_config(argc, argv, serve, bench); !s) {
    log_error(s.error().message);
    return s.error().exit_code;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (serve.app->parsed()) return run_serve(serve);
  if (signal.app->parsed()) return run_signal(signal);
  if (status.app->parsed()) return run_status(status);
  if (check.app->parsed()) return run_check(check);
  if (bench.app->parsed()) return run_bench(bench);
  if (push.app->parsed()) return run_push(push);
  return kExitUsage;
}
