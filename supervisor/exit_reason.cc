#include "supervisor/exit_reason.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

namespace wpm::supervisor {
namespace {

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// The file whose "oom_kill N" line counts OOM kills in our cgroup: cgroup v2
// "0::/a/b" → /sys/fs/cgroup/a/b/memory.events; v1 "4:memory:/a/b" →
// /sys/fs/cgroup/memory/a/b/memory.oom_control. v2 wins when both are listed.
std::string own_oom_counter_path() {
  std::optional<std::string> text = read_small_file("/proc/self/cgroup");
  if (!text) return {};
  std::istringstream lines(*text);
  std::string line, v1;
  while (std::getline(lines, line)) {
    size_t first = line.find(':');
    size_t second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (path == "/") path.clear();
    if (line.rfind("0::", 0) == 0) {
      std::string v2 = "/sys/fs/cgroup" + path + "/memory.events";
      if (::access(v2.c_str(), R_OK) == 0) return v2;
    } else if (controllers == "memory") {
      v1 = "/sys/fs/cgroup/memory" + path + "/memory.oom_control";
    }
  }
  return v1;
}

}  // namespace

ExitReason classify_exit(const ExitFacts& f) {
  if (f.master_reason) return *f.master_reason;
  if (f.signaled) {
    if (f.signal == SIGKILL) return f.oom_killed ? ExitReason::oom : ExitReason::kill;
    if (f.signal == SIGABRT) return ExitReason::abort;
    return ExitReason::crash;
  }
  if (f.recorded) return *f.recorded;
  return f.exit_code == 0 ? ExitReason::quit : ExitReason::crash;
}

namespace {

// The reason a worker's exit gets when `sig` ended it (the worker handles some itself).
std::optional<ExitReason> reason_of_signal(int sig) {
  switch (sig) {
    case SIGABRT: return ExitReason::abort;
    case SIGKILL: return ExitReason::kill;
    case SIGQUIT: return ExitReason::quit;
    case SIGTERM: return ExitReason::term;
    case SIGINT: return ExitReason::int_;
    default: return std::nullopt;
  }
}

}  // namespace

bool planned_exit(const ExitFacts& f, ExitReason reason) {
  if (f.announced_signal != 0 && reason_of_signal(f.announced_signal) == reason) return true;
  if (f.master_reason) return *f.master_reason != ExitReason::timeout;
  if (f.signaled || !f.recorded) return false;
  switch (*f.recorded) {
    case ExitReason::quit:
    case ExitReason::term:
    case ExitReason::int_:
    case ExitReason::max_requests:
      return true;
    default:
      return false;  // e.g. abort: the worker's handler ran, but who sent the ABRT?
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    std::string text = "killed by signal " + std::to_string(sig);
    if (abbrev != nullptr) text += std::string(" (SIG") + abbrev + ")";
    if (WCOREDUMP(status)) text += ", core dumped";
    return text;
  }
  return "wait status " + std::to_string(status);
}

std::optional<uint64_t> parse_oom_kill_count(const std::string& memory_events) {
  std::istringstream lines(memory_events);
  std::string key;
  uint64_t value = 0;
  while (lines >> key >> value)
    if (key == "oom_kill") return value;
  return std::nullopt;
}

OomWatcher::OomWatcher() : events_path_(own_oom_counter_path()) {
  oom_kill_since_last_check();  // establish the baseline
}

bool OomWatcher::oom_kill_since_last_check() {
  if (events_path_.empty()) return false;
  std::optional<std::string> text = read_small_file(events_path_);
  if (!text) return false;
  std::optional<uint64_t> count = parse_oom_kill_count(*text);
  if (!count) return false;
  bool grew = *count > last_count_;
  last_count_ = *count;
  return grew;
}

}  // namespace wpm::supervisor
