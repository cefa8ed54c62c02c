#include "bench/own_pool.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "core/clock.h"
#include "core/metric_table.h"
#include "supervisor/spawner.h"

namespace wpm::bench {
namespace {

constexpr double kStopTimeoutS = 15;

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

size_t running_workers(const PoolState& s) {
  size_t n = 0;
  for (const WorkerRow& w : s.workers) n += w.state == WorkerState::running;
  return n;
}

void pause_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

std::vector<std::string> serve_args(const BenchOptions& o, WorkerClass c) {
  std::vector<std::string> args{"--worker-class", std::string(to_string(c)),
                                "--workers", std::to_string(o.workers),
                                "--threads", std::to_string(o.threads),
                                "--worker-connections", std::to_string(o.worker_connections),
                                "--timeout", std::to_string(o.worker_timeout_s),
                                "--graceful-timeout", "10", "--log-level", "warning"};
  if (!o.metrics) args.emplace_back("--no-metrics");
  if (!o.profile_path.empty()) {
    args.emplace_back("--profile");
    args.push_back(o.profile_path);
  }
  return args;
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "wpm";
}

Result<std::unique_ptr<OwnPool>> OwnPool::start(const OwnPoolSpec& spec) {
  supervisor::SpawnRequest req;
  req.exe = spec.self_exe;
  req.args = {"serve", "--name", spec.name, "--bind", "127.0.0.1:0", "--metrics-bind", "127.0.0.1:0"};
  req.args.insert(req.args.end(), spec.serve_args.begin(), spec.serve_args.end());
  req.log_path = spec.log_path;
  // Own process group: the terminal's Ctrl-C reaches the bench, which stops pools in order.
  req.new_process_group = true;
  // A bench killed outright leaves no pool behind. PDEATHSIG follows the spawning thread:
  // class runs start their pools on the bench's main thread, which lives as long as it does.
  req.die_with_parent = true;
  Result<pid_t> pid = supervisor::spawn_process(req);
  if (!pid) return pid.error();
  std::unique_ptr<OwnPool> pool(new OwnPool(*pid, spec));
  if (Status ready = pool->wait_ready(); !ready) return ready.error();
  return pool;
}

OwnPool::~OwnPool() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    reap(true);
  }
}

std::optional<int> OwnPool::reap(bool block) {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return std::nullopt;
  pid_ = -1;
  return exit_code_of(status);
}

// The master rewrites its state file on every change; 20 ms polls see readiness promptly.
Status OwnPool::wait_ready() {
  uint64_t deadline = monotonic_ns() + static_cast<uint64_t>(spec_.ready_timeout_s * 1e9);
  while (monotonic_ns() < deadline) {
    if (pid_ < 0 || reap(false))
      return Error{"pool '" + spec_.name + "' exited during start-up; see " + spec_.log_path};
    Result<PoolState> s = read_state_file(spec_.name);
    if (s && running_workers(*s) == spec_.workers) {
      base_url_ = "http://" + s->bind;
      metrics_url_ = "http://" + s->metrics_bind + "/metrics";
      return {};
    }
    pause_ms(20);
  }
  return Error{"pool '" + spec_.name + "' not ready after " + std::to_string(spec_.ready_timeout_s) +
               " s; see " + spec_.log_path};
}

Result<PoolMetrics> OwnPool::scrape() { return scrape_pool(metrics_url_, kDefaultPrefix); }

Result<PoolState> OwnPool::state() { return read_state_file(spec_.name); }

Result<supervisor::Delivery> OwnPool::signal(const InjectSpec& spec) {
  std::optional<std::string> worker;
  if (spec.worker) worker = std::to_string(*spec.worker);
  return supervisor::deliver_signal({spec_.name, 0}, spec.signal, worker);
}

Status OwnPool::stop() {
  if (pid_ < 0) return Error{"pool '" + spec_.name + "' had already exited; see " + spec_.log_path};
  kill(pid_, SIGTERM);
  uint64_t deadline = monotonic_ns() + static_cast<uint64_t>(kStopTimeoutS * 1e9);
  std::optional<int> code;
  while (!(code = reap(false)) && monotonic_ns() < deadline) pause_ms(10);
  if (!code) {
    kill(-pid_, SIGKILL);
    code = reap(true);
  }
  if (code == 0) return {};
  return Error{"pool " + spec_.name + " exited with status " + std::to_string(code.value_or(-1)) +
               "; see " + spec_.log_path};
}

}  // namespace wpm::bench
