#include "cli/control_commands.h"

#include <cstdio>
#include <iostream>

#include "core/format.h"
#include "core/log.h"

namespace wpm::cli {
namespace {

void add_pool_flags(CLI::App& app, PoolRef& pool) {
  auto* name = app.add_option("--name", pool.name, "Pool name")->capture_default_str();
  app.add_option("--pid", pool.master_pid, "Master pid (instead of --name)")->excludes(name);
}

}  // namespace

void add_signal_command(CLI::App& root, SignalCommand& cmd) {
  cmd.app = root.add_subcommand("signal", "Send a control signal to a running pool or worker");
  cmd.app->add_option("signal", cmd.signal,
                      "quit, abort, term, int, kill, hup, ttin, ttou or usr1")->required();
  add_pool_flags(*cmd.app, cmd.request.pool);
  cmd.app->add_option("--worker", cmd.worker, "Worker index, worker_id or pid (default: the master)");
  cmd.app->add_flag("--wait", cmd.request.wait, "Wait until the effect is visible");
  cmd.app->add_option("--wait-timeout", cmd.request.wait_timeout_s, "Seconds to wait")
      ->capture_default_str();
}

int run_signal(SignalCommand& cmd) {
  Result<ControlSignal> sig = supervisor::parse_signal(cmd.signal);
  if (!sig) {
    log_error(sig.error().message);
    return sig.error().exit_code;
  }
  cmd.request.signal = *sig;
  if (!cmd.worker.empty()) cmd.request.worker = cmd.worker;
  Result<supervisor::SignalOutcome> out = supervisor::send_signal(cmd.request);
  if (!out) {
    log_error(out.error().message);
    return out.error().exit_code;
  }
  std::cout << "sent " << to_string(*sig) << " to " << out->target;
  if (!out->effect.empty()) std::cout << ": " << out->effect << " after " << out->waited_s << " s";
  std::cout << "\n";
  return kExitOk;
}

void add_status_command(CLI::App& root, StatusCommand& cmd) {
  cmd.app = root.add_subcommand("status", "Show a running pool's workers");
  add_pool_flags(*cmd.app, cmd.pool);
  cmd.app->add_flag("--json", cmd.json, "One JSON object instead of a table");
}

int run_status(StatusCommand& cmd) {
  Result<PoolState> s = supervisor::pool_status(cmd.pool);
  if (!s) {
    log_error(s.error().message);
    return s.error().exit_code;
  }
  if (cmd.json) {
    std::cout << to_json(*s, 2) << "\n";
    return kExitOk;
  }
  std::printf("pool %s  master pid %d  class %s  bind %s  metrics %s\n", s->name.c_str(),
              s->master_pid, s->worker_class.c_str(), s->bind.c_str(), s->metrics_bind.c_str());
  std::printf("%5s  %-24s %8s  %-9s %10s %8s %6s %9s\n", "INDEX", "WORKER_ID", "PID", "STATE",
              "REQUESTS", "RSS", "CPU%", "UPTIME");
  for (const WorkerRow& w : s->workers)
    std::printf("%5u  %-24s %8d  %-9s %10llu %8s %6.1f %8.0fs\n", w.index, w.worker_id.c_str(),
                w.pid, std::string(to_string(w.state)).c_str(), static_cast<unsigned long long>(w.requests),
                format_bytes(w.rss_bytes).c_str(), w.cpu_percent, w.uptime_seconds);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace wpm::cli
