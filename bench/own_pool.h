// A `wpm serve` child started by the bench for one worker class: its own process group, free
// loopback ports, readiness observed through its state file, stopped by pid.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/pool.h"

namespace wpm::bench {

struct OwnPoolSpec {
  std::string self_exe;  // the wpm binary
  std::string name;      // the pool's name (runtime directory, state file)
  std::string log_path;  // the pool's stdout and stderr
  std::vector<std::string> serve_args;  // after `serve --name N --bind … --metrics-bind …`
  uint32_t workers = 2;  // ready once this many run
  double ready_timeout_s = 60;
};

// The `wpm serve` flags of a bench pool for worker class `c`.
std::vector<std::string> serve_args(const BenchOptions& options, WorkerClass c);
// The executable running this code (the bench starts itself as `wpm serve`).
std::string self_exe();

class OwnPool final : public Pool {
 public:
  // Starts the pool and waits until its workers run.
  static Result<std::unique_ptr<OwnPool>> start(const OwnPoolSpec& spec);
  ~OwnPool() override;  // kills the group if still running
  OwnPool(const OwnPool&) = delete;
  OwnPool& operator=(const OwnPool&) = delete;

  std::string base_url() const override { return base_url_; }
  std::string metrics_url() const override { return metrics_url_; }
  Result<PoolMetrics> scrape() override;
  Result<PoolState> state() override;
  Result<supervisor::Delivery> signal(const InjectSpec& spec) override;
  // SIGTERM, up to 15 s, then SIGKILL to the group; an error unless the master exited 0.
  Status stop() override;

 private:
  explicit OwnPool(pid_t pid, OwnPoolSpec spec) : pid_(pid), spec_(std::move(spec)) {}
  Status wait_ready();
  std::optional<int> reap(bool block);  // the master's exit status once it is reaped

  pid_t pid_ = -1;
  OwnPoolSpec spec_;
  std::string base_url_, metrics_url_;
};

}  // namespace wpm::bench
