#include "cli/worker_command.h"

#include "cli/parse_helpers.h"
#include "workers/worker_main.h"

namespace wpm::cli {

// Mirrors core/options.h worker_argv(); the master is the only caller.
void add_worker_command(CLI::App& root, WorkerCommand& cmd) {
  WorkerOptions& o = cmd.options;
  cmd.app = root.add_subcommand("worker", "Internal: one worker process (started by the master)");
  cmd.app->group("");  // hidden from --help
  add_worker_class(*cmd.app, o.worker_class);
  cmd.app->add_option("--listen-fd", o.listen_fd)->required();
  cmd.app->add_option("--segment-fd", o.segment_fd)->required();
  cmd.app->add_option("--slot", o.slot)->required();
  cmd.app->add_option("--index", o.index);
  cmd.app->add_option("--threads", o.threads);
  cmd.app->add_option("--worker-connections", o.worker_connections);
  cmd.app->add_option("--keepalive", o.keepalive_s);
  cmd.app->add_option("--graceful-timeout", o.graceful_timeout_s);
  cmd.app->add_option("--timeout", o.timeout_s);
  cmd.app->add_option("--max-requests", o.max_requests);
  add_log_level(*cmd.app, o.log_level);
  cmd.app->add_option("--name", o.name);
  cmd.app->add_flag("--allow-crash", o.allow_crash);
  cmd.app->add_flag("!--no-metrics", o.metrics);
  cmd.app->add_option("--ready-fd", o.ready_fd);
}

int run_worker_command(WorkerCommand& cmd) {
  set_log_level(cmd.options.log_level);
  set_log_tag("worker " + std::to_string(cmd.options.index));
  return run_worker(cmd.options);
}

}  // namespace wpm::cli
