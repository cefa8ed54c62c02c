// wpm: a supervisor and benchmarking harness for pre-fork HTTP worker pools.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string_view>

#include "cli/bench_command.h"
#include "cli/check_command.h"
#include "cli/control_commands.h"
#include "cli/docs_gen.h"
#include "cli/push_command.h"
#include "cli/report_command.h"
#include "cli/serve_command.h"
#include "cli/worker_command.h"
#include "core/log.h"
#include "core/version.h"

namespace {

using namespace wpm;
using namespace wpm::cli;

// `wpm bogus` says so and lists the commands, instead of CLI11's "extra arguments".
bool unknown_command(std::string_view word) {
  if (word.empty() || word.front() == '-') return false;
  for (std::string_view known : command_names())
    if (word == known) return false;
  std::string list;
  for (std::string_view known : command_names()) list += (list.empty() ? "" : ", ") + std::string(known);
  std::cerr << "wpm: unknown command '" << word << "' (commands: " << list
            << "; see wpm --help)\n";
  return true;
}

// -c/--config on a command that reads no config file is an error that says so.
bool misplaced_config(int argc, char** argv) {
  std::string_view command = argv[1];
  if (command == "serve" || command == "bench") return false;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-c" || arg == "--config" || arg.rfind("--config=", 0) == 0) {
      std::cerr << "wpm " << command << ": reads no config file (" << arg
                << " is for serve and bench)\n";
      return true;
    }
  }
  return false;
}

// Hidden commands that print what is generated from the flag model (make install uses them).
int run_docs_command(std::string_view name, int argc, char** argv) {
  if (name == "help-man") {
    std::cout << render_man_page(command_docs());
    return kExitOk;
  }
  std::string_view shell = argc > 2 ? argv[2] : "";
  if (shell == "bash") std::cout << render_bash_completion(command_docs());
  else if (shell == "zsh") std::cout << render_zsh_completion(command_docs());
  else {
    std::cerr << "wpm help-completion: expected bash or zsh\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // Workers start often (every restart): their argv is core's table, no CLI11 needed.
  if (argc > 1 && std::strcmp(argv[1], "worker") == 0)
    return run_worker_command({argv + 1, static_cast<size_t>(argc - 1)});
  if (argc > 1 && (unknown_command(argv[1]) || misplaced_config(argc, argv))) return kExitUsage;
  if (argc > 1 && std::strncmp(argv[1], "help-", 5) == 0) return run_docs_command(argv[1], argc, argv);
  CLI::App app{"wpm: supervise, measure and benchmark pre-fork HTTP worker pools", "wpm"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "wpm " + std::string(wpm_version()));

  ServeCommand serve;
  SignalCommand signal;
  StatusCommand status;
  CheckCommand check;
  BenchCommand bench;
  PushCommand push;
  ReportCommand report;
  add_serve_command(app, serve);
  add_signal_command(app, signal);
  add_status_command(app, status);
  add_check_command(app, check);
  add_bench_command(app, bench);
  add_push_command(app, push);
  add_report_command(app, report);

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
  if (report.app->parsed()) return run_report(report);
  return kExitUsage;
}
