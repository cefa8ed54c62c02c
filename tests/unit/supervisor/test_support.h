// Helpers for the supervisor tests: a tiny HTTP client, a master running in a child process
// (this test binary re-executed as `master …`, its workers as `worker …`, see test_main.cc),
// bounded polling, and Prometheus text sums.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/metric_table.h"
#include "core/state_file.h"

namespace wpm::supervisor::test {

struct HttpReply {
  int status = 0;
  std::string headers;  // raw header block, lower-cased names not guaranteed
  std::string body;
};
// GET over a fresh connection to 127.0.0.1 (or ::1 when host has a ':'); nullopt on failure.
std::optional<HttpReply> http_get(const std::string& host, uint16_t port, const std::string& path);
std::optional<HttpReply> http_get(const std::string& host_port, const std::string& path);

// Polls `condition` every 20 ms until it holds or `limit` passes.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::seconds(10));

// Sum of the samples of `name` whose line contains every one of `filters` (e.g. `reason="abort"`).
double sum_samples(const std::string& text, const std::string& name,
                   const std::vector<std::string>& filters = {});
// Number of sample lines of `name` (series count) matching `filters`.
size_t count_series(const std::string& text, const std::string& name,
                    const std::vector<std::string>& filters = {});

std::string self_exe();
std::string temp_dir();  // a fresh private directory under /tmp, removed by the caller if wanted
std::string read_file(const std::string& path);

// A master started as `<this binary> master key=value …` in its own process group, with
// stderr captured to a file and XDG_RUNTIME_DIR pointing at a private directory.
class MasterProcess {
 public:
  // `settings`: name, workers, timeout, boot_timeout, graceful_timeout, retain_exited,
  // retain_max, slots, max_requests, bind, metrics_bind, pidfile, log_level.
  // `env`: extra environment for master and workers (e.g. WPM_FAKE_MODE=hang).
  MasterProcess(std::map<std::string, std::string> settings,
                std::map<std::string, std::string> env = {});
  ~MasterProcess();
  MasterProcess(const MasterProcess&) = delete;
  MasterProcess& operator=(const MasterProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  const std::string& runtime_dir() const { return runtime_dir_; }
  const std::string& scratch_dir() const { return dir_; }  // private, removed with the object
  // Waits until the state file lists `workers` workers in state running.
  std::optional<PoolState> wait_running(size_t workers,
                                        std::chrono::milliseconds limit = std::chrono::seconds(15));
  std::optional<PoolState> state() const;
  std::string metrics() const;  // GET /metrics body ("" on failure)
  void signal(int sig) const;
  // Waits for the master to exit; its exit code, or -signal, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds limit = std::chrono::seconds(20));
  std::string log() const;  // the master's (and workers') stderr so far

 private:
  std::string name_;
  std::string dir_;
  std::string runtime_dir_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// A test owning one master; its log is printed when the test failed.
class MasterFixture : public ::testing::Test {
 protected:
  void TearDown() override;
  // Starts a master and waits until `running` workers run.
  PoolState start(std::map<std::string, std::string> settings = {},
                  std::map<std::string, std::string> env = {}, size_t running = 2);
  // Sum of the samples of family `id` (default prefix) matching `filters`, from a fresh scrape.
  double metric(MetricId id, std::vector<std::string> filters = {});
  int healthz();  // GET /healthz status, -1 on failure
  void stop_gracefully();  // TERM, expects exit code 0

  std::unique_ptr<MasterProcess> master_;
};

}  // namespace wpm::supervisor::test
