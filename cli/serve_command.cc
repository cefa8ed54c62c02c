#include "cli/serve_command.h"

#include <unistd.h>

#include <climits>
#include <filesystem>

#include "cli/command_config.h"
#include "cli/flag_kinds.h"
#include "cli/parse_helpers.h"
#include "cli/profile_toml.h"
#include "supervisor/master.h"

namespace wpm::cli {
namespace {

using Opt = Option<ServeOptions>;
using O = ServeOptions;

Value<O> host_port(HostPort O::*m) {
  return parsed<O, HostPort>(m, parse_host_port_value, [](const HostPort& h) { return h.str(); }, "HOST:PORT");
}

Value<O> pidfile() {
  return parsed<O, std::optional<std::string>>(
      &O::pidfile,
      [](const std::string& text) -> Result<std::optional<std::string>> {
        if (Status s = check_not_empty(text); !s) return s.error();
        return std::optional<std::string>(text);
      },
      [](const std::optional<std::string>& p) { return p.value_or(""); }, "FILE");
}

std::vector<Opt> pool_options() {
  return {
      {"--name", "name", "Pool name (runtime directory, state file)", text(&O::name, check_pool_name, "NAME")},
      {"--bind,-b", "bind", "Address the workers serve (port 0 = any free port)", host_port(&O::bind)},
      {"--metrics-bind", "metrics_bind", "Address of /metrics and /healthz", host_port(&O::metrics_bind)},
      {"--worker-class,-k", "worker_class", "Worker class",
       parsed<O, WorkerClass>(&O::worker_class, parse_worker_class_value,
                              [](const WorkerClass& c) { return std::string(to_string(c)); }, "CLASS",
                              worker_class_names())},
      {"--workers,-w", "workers", "Number of worker processes", count(&O::workers, 1, 512)},
      {"--threads", "threads", "Threads per worker (thread class)", count(&O::threads, 1, 4096)},
      {"--worker-connections", "worker_connections", "Open connections per worker (thread, eventlet, gevent)", count(&O::worker_connections, 1, 1000000)},
      {"--timeout,-t", "timeout", "A worker silent this long is aborted", duration(&O::timeout_s, 0.1, 86400)},
      {"--boot-timeout", "boot_timeout", "A worker must be running within this", duration(&O::boot_timeout_s, 0.1, 86400)},
      {"--graceful-timeout", "graceful_timeout", "Grace for graceful stops", duration(&O::graceful_timeout_s, 0, 86400)},
      {"--keepalive", "keepalive", "Idle keep-alive connection timeout", duration(&O::keepalive_s, 0, 3600)},
      {"--max-requests", "max_requests", "Restart a worker after N requests (0 = never)", count(&O::max_requests, 0, 1000000000000)},
      {"--max-requests-jitter", "max_requests_jitter", "Random 0..N added to max-requests per worker", count(&O::max_requests_jitter, 0, 1000000000000)},
      {"--max-body-buffer", "max_body_buffer", "Request body bytes a worker buffers at once, all its requests together (413 beyond)", size(&O::max_body_buffer, 1, uint64_t{1} << 40)},
      {"--backlog", "backlog", "listen(2) backlog", count(&O::backlog, 1, 65535)},
      {"--profile", "profile", "Serve the routes of this workload profile (TOML, see docs/WORKERS.md) instead of the built-in ones", text(&O::profile, nullptr, "FILE")},
  };
}

std::vector<Opt> process_options() {
  return {
      {"--pidfile", "pidfile", "Write the master pid to this file", pidfile()},
      {"--log-level", "log_level", "Log level",
       parsed<O, LogLevel>(&O::log_level, parse_log_level_value,
                           [](const LogLevel& l) { return std::string(to_string(l)); }, "LEVEL",
                           log_level_names())},
      {"--allow-crash", "allow_crash", "Enable the /crash route (calls abort())", on_switch(&O::allow_crash)},
      {"--no-metrics", "metrics.enabled", "Turn request instrumentation off (benchmarks)", off_switch(&O::metrics)},
      {"--metrics-prefix", "metrics.prefix", "Metric family prefix (a Prometheus name)", text(&O::metrics_prefix, check_metric_prefix, "PREFIX")},
      {"--retain-exited", "metrics.retain_exited", "How long an exited worker's series stay", duration(&O::retain_exited_s, 0, 604800)},
      {"--retain-exited-max", "metrics.retain_exited_max", "At most this many exited workers' series are kept", count(&O::retain_exited_max, 0, 100000)},
  };
}

// The profile is read and checked before anything starts (errors at file:line:col, exit 2);
// workers get its absolute path and read it again themselves.
Status check_profile(ServeOptions& o) {
  if (o.profile.empty()) return {};
  Result<Profile> p = read_profile_file(o.profile);
  if (!p) return Error{"--profile: " + p.error().message, kExitUsage};
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(o.profile, ec);
  if (!ec) o.profile = absolute.string();
  return {};
}

std::string self_exe_path() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "wpm";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

OptionTable<ServeOptions> serve_option_table() {
  std::vector<Opt> all = pool_options();
  for (Opt& opt : process_options()) all.push_back(std::move(opt));
  return OptionTable<ServeOptions>(std::move(all));
}

void add_serve_command(CLI::App& root, ServeCommand& cmd) {
  cmd.app = root.add_subcommand("serve", "Run a supervised worker pool with /metrics");
  add_config_flag(*cmd.app, cmd.config_path);
  cmd.table.add_to(*cmd.app, ServeOptions{});
}

Status resolve_serve(ServeCommand& cmd) {
  ServeOptions& o = cmd.options;
  if (Status s = load_config(cmd.table, cmd.config_path, o); !s) return s;
  if (Status s = cmd.table.apply_flags(o); !s) return s;
  if (o.bind.port != 0 && o.bind.port == o.metrics_bind.port && o.bind.host == o.metrics_bind.host)
    return Error{"--bind and --metrics-bind are the same address " + o.bind.str(), kExitUsage};
  return check_profile(o);
}

int run_serve(ServeCommand& cmd) {
  if (Status s = resolve_serve(cmd); !s) {
    log_error(s.error().message);
    return s.error().exit_code;
  }
  cmd.options.self_exe = self_exe_path();
  set_log_level(cmd.options.log_level);
  set_log_tag("master");
  return run_master(cmd.options);
}

}  // namespace wpm::cli
