// Option structs passed between the command line, the master and the workers. The CLI fills
// them from flags and TOML; the supervisor and workers only read them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/names.h"
#include "core/result.h"

namespace wpm {

struct HostPort {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string str() const;  // "host:port", IPv6 hosts bracketed
};
// Parses "HOST:PORT", "[V6]:PORT" or ":PORT" (host defaults to 127.0.0.1). HOST is an IPv4
// literal or a name; an IPv6 literal must be bracketed and valid.
bool parse_host_port(const std::string& text, HostPort& out);

struct ServeOptions {
  std::string name = "wpm";
  HostPort bind{"127.0.0.1", 8000};
  HostPort metrics_bind{"127.0.0.1", 9095};
  WorkerClass worker_class = WorkerClass::sync;
  uint32_t workers = 2;
  uint32_t threads = 4;
  uint32_t worker_connections = 1000;
  double timeout_s = 30;
  double boot_timeout_s = 30;
  double graceful_timeout_s = 30;
  double keepalive_s = 2;
  uint64_t max_requests = 0;  // 0 = unlimited
  uint64_t max_requests_jitter = 0;
  uint64_t max_body_buffer = 64ull << 20;  // request body bytes a worker buffers at once
  int backlog = 2048;
  std::optional<std::string> pidfile;
  LogLevel log_level = LogLevel::info;
  bool allow_crash = false;
  bool metrics = true;  // --no-metrics turns the request-path instrumentation off
  std::string metrics_prefix = "gunicorn";
  double retain_exited_s = 300;
  uint32_t retain_exited_max = 64;
  uint32_t slot_capacity = 256;
  std::string self_exe;  // path of the wpm binary, exec'd as `wpm worker …`
  // Workers are forked by a fork server (workers/fork_server.h) rather than exec'd one by one.
  // Not a flag: tests whose fake worker does not speak the fork server's protocol turn it off.
  bool fork_server = true;
  // A workload profile (TOML, cli/profile_toml.h) the workers serve instead of the built-in
  // routes; absolute once resolved, "" = none.
  std::string profile;
};

// What one worker process needs; travels as argv of the hidden `wpm worker` subcommand.
struct WorkerOptions {
  WorkerClass worker_class = WorkerClass::sync;
  int listen_fd = -1;
  int segment_fd = -1;
  uint32_t slot = 0;   // slot number in the segment
  uint32_t index = 0;  // position in the pool
  uint32_t threads = 4;
  uint32_t worker_connections = 1000;
  double keepalive_s = 2;
  double graceful_timeout_s = 30;
  double timeout_s = 30;
  uint64_t max_requests = 0;  // already jittered by the master; 0 = unlimited
  // Bytes of request bodies a worker buffers at once, all its requests together (a body
  // that does not fit is refused with 413).
  uint64_t max_body_buffer = 64ull << 20;
  bool allow_crash = false;
  bool metrics = true;
  LogLevel log_level = LogLevel::info;
  std::string name = "wpm";
  // Readiness notification: an eventfd shared by the pool that the worker adds 1 to once its
  // slot says running, so the master notices at once instead of on a timer (-1 = none).
  int ready_fd = -1;
  // The workload profile file to serve ("" = the built-in routes); each worker reads it once.
  std::string profile;
  // >= 0: this process is the pool's fork server (workers/fork_server.h), talking to the master
  // on this socket; the options are then every worker's, except slot, index and max_requests.
  int fork_server_fd = -1;

  bool operator==(const WorkerOptions&) const = default;
};

// The argv of `wpm worker` (without the program name, starting with "worker"): written by the
// master, read back by the worker. One table in worker_argv.cc drives both, so a new field is
// one line there. Every flag is required; errors have exit code kExitUsage.
std::vector<std::string> worker_argv(const WorkerOptions& options);
Result<WorkerOptions> parse_worker_argv(std::span<const std::string_view> argv);
std::string_view to_string(LogLevel level);

}  // namespace wpm
