#include "cli/serve_command.h"

#include <unistd.h>

#include <climits>

#include "cli/config.h"
#include "cli/parse_helpers.h"
#include "supervisor/master.h"

namespace wpm::cli {

void add_serve_flags(CLI::App& app, ServeOptions& o) {
  app.add_option("--name", o.name, "Pool name (runtime directory, state file)")->capture_default_str();
  add_host_port(app, "--bind,-b", o.bind, "Address the workers serve (port 0 = any free port)");
  add_host_port(app, "--metrics-bind", o.metrics_bind, "Address of /metrics and /healthz");
  add_worker_class(app, o.worker_class);
  app.add_option("--workers,-w", o.workers, "Number of worker processes")
      ->capture_default_str()->check(CLI::Range(1u, 512u));
  app.add_option("--threads", o.threads, "Threads per worker (thread class)")
      ->capture_default_str()->check(CLI::Range(1u, 4096u));
  app.add_option("--worker-connections", o.worker_connections,
                 "Open connections per worker (thread, eventlet, gevent)")
      ->capture_default_str()->check(CLI::Range(1u, 1000000u));
  add_duration(app, "--timeout,-t", o.timeout_s, "Silent worker is aborted after this");
  add_duration(app, "--boot-timeout", o.boot_timeout_s, "Worker must be running within this");
  add_duration(app, "--graceful-timeout", o.graceful_timeout_s, "Grace for graceful stops");
  add_duration(app, "--keepalive", o.keepalive_s, "Idle keep-alive connection timeout");
  app.add_option("--max-requests", o.max_requests, "Restart a worker after N requests (0 = never)")
      ->capture_default_str();
  app.add_option("--max-requests-jitter", o.max_requests_jitter,
                 "Random 0..N added to max-requests per worker")->capture_default_str();
  app.add_option("--max-body-buffer", o.max_body_buffer,
                 "Request body bytes a worker buffers at once (413 beyond)")
      ->capture_default_str()->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--backlog", o.backlog, "listen(2) backlog")->capture_default_str();
  app.add_option_function<std::string>("--pidfile", [&o](const std::string& v) { o.pidfile = v; },
                                       "Write the master pid to this file");
  add_log_level(app, o.log_level);
  app.add_flag("--allow-crash", o.allow_crash, "Enable the /crash route (calls abort())");
  app.add_flag("!--no-metrics", o.metrics, "Turn request instrumentation off (benchmarks)");
  app.add_option("--metrics-prefix", o.metrics_prefix, "Metric family prefix")->capture_default_str();
  add_duration(app, "--retain-exited", o.retain_exited_s, "How long an exited worker's series stay");
  app.add_option("--retain-exited-max", o.retain_exited_max,
                 "At most this many exited workers' series are kept")->capture_default_str();
}

Status load_serve_config(const std::string& path, ServeOptions& o) {
  Result<toml::table> table = load_toml(path);
  if (!table) return table.error();
  auto duration = [](double& field) {
    return [&field](const toml::node& n) { return read_duration(n, field); };
  };
  auto value = [](auto& field) { return [&field](const toml::node& n) { return read(n, field); }; };
  auto parsed = [](auto& field, auto parse) {
    return [&field, parse](const toml::node& n) -> Status {
      std::string text;
      if (Status s = read(n, text); !s) return s;
      auto result = parse(text);
      if (!result) return result.error();
      field = *result;
      return {};
    };
  };
  KeyTable keys{
      {"name", value(o.name)},
      {"bind", parsed(o.bind, parse_host_port_value)},
      {"metrics_bind", parsed(o.metrics_bind, parse_host_port_value)},
      {"worker_class", parsed(o.worker_class, parse_worker_class_value)},
      {"workers", value(o.workers)},
      {"threads", value(o.threads)},
      {"worker_connections", value(o.worker_connections)},
      {"timeout", duration(o.timeout_s)},
      {"boot_timeout", duration(o.boot_timeout_s)},
      {"graceful_timeout", duration(o.graceful_timeout_s)},
      {"keepalive", duration(o.keepalive_s)},
      {"max_requests", value(o.max_requests)},
      {"max_requests_jitter", value(o.max_requests_jitter)},
      {"log_level", parsed(o.log_level, parse_log_level_value)},
      {"allow_crash", value(o.allow_crash)},
      {"pidfile", [&o](const toml::node& n) {
         std::string v;
         Status s = read(n, v);
         if (s) o.pidfile = v;
         return s;
       }},
      {"metrics.enabled", value(o.metrics)},
      {"metrics.prefix", value(o.metrics_prefix)},
      {"metrics.retain_exited", duration(o.retain_exited_s)},
      {"metrics.retain_exited_max", value(o.retain_exited_max)},
  };
  if (Status s = apply_table(path, *table, keys); !s) return s;
  if (o.workers == 0) return Error{path + ": 'workers' must be at least 1", kExitUsage};
  return {};
}

void add_serve_command(CLI::App& root, ServeCommand& cmd) {
  cmd.app = root.add_subcommand("serve", "Run a supervised worker pool with /metrics");
  cmd.app->add_option("--config,-c", cmd.config_path, "TOML file; flags override it")
      ->check(CLI::ExistingFile);
  add_serve_flags(*cmd.app, cmd.options);
}

std::string self_exe_path() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "wpm";
  return std::string(buf, static_cast<size_t>(n));
}

int run_serve(ServeCommand& cmd) {
  cmd.options.self_exe = self_exe_path();
  set_log_level(cmd.options.log_level);
  set_log_tag("master");
  return run_master(cmd.options);
}

}  // namespace wpm::cli
