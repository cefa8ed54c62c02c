#include "cli/pool_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/clock.h"

extern char** environ;

namespace wpm::cli {

Result<PoolProcess> PoolProcess::start(const std::string& self_exe, const std::string& name,
                                       const std::vector<std::string>& args,
                                       const std::string& log_path) {
  std::vector<std::string> argv_s{self_exe, "serve", "--name", name, "--bind", "127.0.0.1:0",
                                  "--metrics-bind", "127.0.0.1:0"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group: the terminal's Ctrl-C reaches the bench, which stops pools in order.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, self_exe.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return errno_error("spawning " + self_exe + " serve", rc);
  return PoolProcess(pid, name, log_path);
}

PoolProcess::PoolProcess(PoolProcess&& o) noexcept
    : pid_(o.pid_), name_(std::move(o.name_)), log_path_(std::move(o.log_path_)),
      metrics_url_(std::move(o.metrics_url_)), base_url_(std::move(o.base_url_)) {
  o.pid_ = -1;
}

PoolProcess::~PoolProcess() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    int status = 0;
    reap(status, true);
  }
}

bool PoolProcess::reap(int& status, bool block) {
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    pid_ = -1;
    return true;
  }
  return false;
}

Result<PoolState> PoolProcess::wait_ready(uint32_t workers, double timeout_s) {
  uint64_t deadline = monotonic_ns() + static_cast<uint64_t>(timeout_s * 1e9);
  while (monotonic_ns() < deadline) {
    int status = 0;
    if (pid_ < 0 || reap(status, false))
      return Error{"pool '" + name_ + "' exited during start-up; see " + log_path_};
    Result<PoolState> s = read_state_file(name_);
    if (s) {
      uint32_t running = 0;
      for (const WorkerStatusRow& w : s->workers) running += w.state == "running";
      if (running == workers) {
        base_url_ = "http://" + s->bind;
        metrics_url_ = "http://" + s->metrics_bind + "/metrics";
        return s;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error{"pool '" + name_ + "' not ready after " + std::to_string(timeout_s) + " s; see " +
               log_path_};
}

int PoolProcess::stop(double timeout_s) {
  if (pid_ < 0) return -1;
  kill(pid_, SIGTERM);
  uint64_t deadline = monotonic_ns() + static_cast<uint64_t>(timeout_s * 1e9);
  int status = 0;
  while (monotonic_ns() < deadline) {
    if (reap(status, false)) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(-pid_, SIGKILL);
  reap(status, true);
  return 128 + SIGKILL;
}

}  // namespace wpm::cli
