// A `wpm serve` child started by `wpm bench`: its own process group, free loopback ports,
// readiness observed through its state file, stopped by PID.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "core/state_file.h"

namespace wpm::cli {

class PoolProcess {
 public:
  // Starts `self_exe serve --name NAME --bind 127.0.0.1:0 --metrics-bind 127.0.0.1:0 ARGS…`
  // with stdout/stderr going to log_path.
  static Result<PoolProcess> start(const std::string& self_exe, const std::string& name,
                                   const std::vector<std::string>& args,
                                   const std::string& log_path);
  PoolProcess(PoolProcess&& other) noexcept;
  PoolProcess& operator=(PoolProcess&&) = delete;
  PoolProcess(const PoolProcess&) = delete;
  ~PoolProcess();  // kills the group if still running

  // Polls the state file until `workers` workers are running (or the master died).
  Result<PoolState> wait_ready(uint32_t workers, double timeout_s);
  // SIGTERM, wait up to timeout_s, then SIGKILL to the group. Returns the master's status.
  int stop(double timeout_s);

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  const std::string& log_path() const { return log_path_; }
  std::string metrics_url() const { return metrics_url_; }
  std::string base_url() const { return base_url_; }

 private:
  PoolProcess(pid_t pid, std::string name, std::string log_path)
      : pid_(pid), name_(std::move(name)), log_path_(std::move(log_path)) {}
  bool reap(int& status, bool block);

  pid_t pid_ = -1;
  std::string name_, log_path_, metrics_url_, base_url_;
};

}  // namespace wpm::cli
