#include "cli/bench_command.h"

#include <atomic>
#include <csignal>
#include <iostream>

#include "bench/bench.h"
#include "cli/command_config.h"
#include "cli/push_command.h"
#include "core/log.h"

namespace wpm::cli {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted.store(true); }

int fail(const Error& e) {
  log_error(e.message);
  return e.exit_code;
}

}  // namespace

void add_bench_command(CLI::App& root, BenchCommand& cmd) {
  cmd.app = root.add_subcommand(
      "bench", "Benchmark worker pools: load, faults, reconciliation, reports. With no flags, the "
               "default scenario; flags and -c FILE change its fields");
  add_config_flag(*cmd.app, cmd.config_path);
  cmd.table.add_to(*cmd.app, default_scenario());
}

Status resolve_bench(BenchCommand& cmd) {
  BenchOptions& o = cmd.options;
  o = default_scenario();
  // -n without a duration (flag or file) runs until N: the duration is then only a safety
  // cap, bounded because the timeline's memory is sized by it up front.
  const double default_duration_s = o.duration_s;
  constexpr double kUnset = -1, kRequestsCap_s = 300;
  o.duration_s = kUnset;
  o.paths.clear();  // unset: apply_profile() brings the default mix back unless --profile
  if (Status s = load_config(cmd.table, cmd.config_path, o); !s) return s;
  if (Status s = cmd.table.apply_flags(o); !s) return s;
  if (Status s = apply_profile(o); !s) return s;
  if (o.duration_s == kUnset) o.duration_s = o.requests > 0 ? kRequestsCap_s : default_duration_s;
  if (Status s = validate_bench(o); !s) return s;
  o.config = cmd.table.describe(o);
  return {};
}

int run_bench(BenchCommand& cmd) {
  set_log_tag("bench");
  if (Status s = resolve_bench(cmd); !s) return fail(s.error());
  const BenchOptions& o = cmd.options;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  Result<bench::BenchOutcome> outcome = bench::run_bench(o, g_interrupted);
  if (!outcome) return fail(outcome.error());
  // A report on stdout (-) keeps stdout machine-readable: the table goes to stderr then.
  bool report_on_stdout = o.json_path == "-" || o.prom_path == "-" || o.html_path == "-";
  Result<int> exit_code = bench::report(o, *outcome, report_on_stdout ? std::cerr : std::cout);
  if (!exit_code) return fail(exit_code.error());
  if (!o.push_url.empty())
    if (Status s = push_bench(o, outcome->result); !s) return fail(s.error());
  return *exit_code;
}

}  // namespace wpm::cli
