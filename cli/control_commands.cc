#include "cli/control_commands.h"

#include <cstdio>
#include <iostream>

#include "bench/external_pool.h"
#include "cli/flag_kinds.h"
#include "core/format.h"
#include "core/log.h"

namespace wpm::cli {
namespace {

using supervisor::SignalRequest;

template <class Opts>
std::vector<Option<Opts>> pool_options() {
  Value<Opts> pid = count(&Opts::pid, 1, 4194304);
  pid.show = [](const Opts& o) { return o.pid ? std::to_string(o.pid) : std::string(); };  // 0 = unset
  return {
      {"--name", "", "Pool name", text(&Opts::name, check_pool_name, "NAME")},
      {"--pid", "", "Master pid (instead of --name); a pool wpm did not start (e.g. Gunicorn) is seen through /proc", pid},
  };
}

int fail(const Error& e) {
  log_error(e.message);
  return e.exit_code;
}

// --pid of a live master that no wpm state file names: a pool started elsewhere (e.g.
// Gunicorn), its workers read from /proc (bench/proc_pool.h).
bool is_external_pool(int32_t pid) {
  return pid > 0 && !supervisor::find_pool({"", pid}) && bench::master_problem(pid).empty();
}

int run_external_signal(const SignalOptions& o, ControlSignal sig) {
  std::optional<std::string> worker;
  if (!o.worker.empty()) worker = o.worker;
  std::optional<double> wait;
  if (o.wait) wait = o.wait_timeout_s;
  Result<supervisor::SignalOutcome> out = bench::send_proc_pool_signal(o.pid, sig, worker, wait);
  if (!out) return fail(out.error());
  std::cout << "sent " << to_string(sig) << " to " << out->target;
  if (!out->effect.empty()) std::cout << ": " << out->effect << " after " << out->waited_s << " s";
  std::cout << "\n";
  return kExitOk;
}

void print_workers(const PoolState& s) {
  std::printf("%5s  %-24s %8s  %-9s %10s %8s %6s %9s\n", "INDEX", "WORKER_ID", "PID", "STATE",
              "REQUESTS", "RSS", "CPU%", "UPTIME");
  for (const WorkerRow& w : s.workers)
    std::printf("%5u  %-24s %8d  %-9s %10llu %8s %6.1f %8.0fs\n", w.index, w.worker_id.c_str(),
                w.pid, std::string(to_string(w.state)).c_str(), static_cast<unsigned long long>(w.requests),
                format_bytes(w.rss_bytes).c_str(), w.cpu_percent, w.uptime_seconds);
  std::fflush(stdout);
}

int run_external_status(const StatusOptions& o) {
  Result<PoolState> s = bench::proc_pool_status(o.pid, o.metrics, o.requests_metric);
  if (!s) return fail(s.error());
  if (o.json) {
    std::cout << to_json(*s, 2) << "\n";
    return kExitOk;
  }
  std::printf("pool %s  master pid %d  (seen through /proc)  metrics %s\n", s->name.c_str(),
              s->master_pid, o.metrics.empty() ? "-" : o.metrics.c_str());
  print_workers(*s);
  return kExitOk;
}

}  // namespace

OptionTable<SignalOptions> signal_option_table() {
  using O = SignalOptions;
  std::vector<Option<O>> options = pool_options<O>();
  options.push_back({"--worker", "", "Worker index, worker_id or pid (default: the master)", text(&O::worker, check_not_empty, "WORKER")});
  options.push_back({"--wait", "", "Wait until the effect is visible", on_switch(&O::wait)});
  options.push_back({"--wait-timeout", "", "How long --wait waits", duration(&O::wait_timeout_s, 0.001, 3600)});
  return OptionTable<O>(std::move(options));
}

OptionTable<StatusOptions> status_option_table() {
  std::vector<Option<StatusOptions>> options = pool_options<StatusOptions>();
  options.push_back({"--json", "", "One JSON object instead of a table", on_switch(&StatusOptions::json)});
  options.push_back({"--metrics", "", "With --pid of a pool wpm did not start: its Prometheus endpoint (requests per worker)", text(&StatusOptions::metrics, check_http_url, "URL")});
  options.push_back({"--requests-metric", "", "With --metrics: the per-worker request counter", text(&StatusOptions::requests_metric, check_not_empty, "NAME")});
  return OptionTable<StatusOptions>(std::move(options));
}

void add_signal_command(CLI::App& root, SignalCommand& cmd) {
  cmd.app = root.add_subcommand("signal", "Send a control signal to a running pool or worker");
  cmd.app->add_option("signal", cmd.signal, "quit, abort, term, int, kill, hup, ttin, ttou or usr1")
      ->required()
      ->type_name("SIGNAL");
  auto flag = cmd.table.add_to(*cmd.app, SignalOptions{});
  flag["--pid"]->excludes(flag["--name"]);
}

int run_signal(SignalCommand& cmd) {
  if (Status s = cmd.table.apply_flags(cmd.options); !s) return fail(s.error());
  Result<ControlSignal> sig = supervisor::parse_signal(cmd.signal);
  if (!sig) return fail(sig.error());
  const SignalOptions& o = cmd.options;
  if (is_external_pool(o.pid)) return run_external_signal(o, *sig);
  SignalRequest request;
  request.pool = {o.name, o.pid};
  request.signal = *sig;
  if (!o.worker.empty()) request.worker = o.worker;
  request.wait = o.wait;
  request.wait_timeout_s = o.wait_timeout_s;
  Result<supervisor::SignalOutcome> out = supervisor::send_signal(request);
  if (!out) return fail(out.error());
  std::cout << "sent " << to_string(*sig) << " to " << out->target;
  if (!out->effect.empty()) std::cout << ": " << out->effect << " after " << out->waited_s << " s";
  std::cout << "\n";
  return kExitOk;
}

void add_status_command(CLI::App& root, StatusCommand& cmd) {
  cmd.app = root.add_subcommand("status", "Show a running pool's workers");
  auto flag = cmd.table.add_to(*cmd.app, StatusOptions{});
  flag["--pid"]->excludes(flag["--name"]);
}

int run_status(StatusCommand& cmd) {
  if (Status applied = cmd.table.apply_flags(cmd.options); !applied) return fail(applied.error());
  if (is_external_pool(cmd.options.pid)) return run_external_status(cmd.options);
  if (!cmd.options.metrics.empty())
    return fail(Error{"--metrics: only for --pid of a pool wpm did not start (a wpm pool's state "
                      "file names its metrics)", kExitUsage});
  Result<PoolState> s = supervisor::pool_status({cmd.options.name, cmd.options.pid});
  if (!s) {
    log_error(s.error().message);
    return s.error().exit_code;
  }
  if (cmd.options.json) {
    std::cout << to_json(*s, 2) << "\n";
    return kExitOk;
  }
  std::printf("pool %s  master pid %d  class %s  bind %s  metrics %s\n", s->name.c_str(),
              s->master_pid, s->worker_class.c_str(), s->bind.c_str(), s->metrics_bind.c_str());
  print_workers(*s);
  return kExitOk;
}

}  // namespace wpm::cli
