// Why a worker ended: attribution of a reaped child to one ExitReason (DESIGN.md §2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/names.h"

namespace wpm::supervisor {

// Everything the master knows when it reaps a worker.
struct ExitFacts {
  std::optional<ExitReason> master_reason;  // set when the master itself retired/stopped it
  bool signaled = false;                    // WIFSIGNALED
  int signal = 0;                           // WTERMSIG when signaled
  int exit_code = 0;                        // WEXITSTATUS otherwise
  std::optional<ExitReason> recorded;       // what the worker wrote in its slot before exiting
  bool oom_killed = false;                  // the kernel's OOM killer fired meanwhile
  int announced_signal = 0;                 // announced by wpm for this worker (planned_exit.h)
};

// Priority: what the master did first; then death by signal (KILL → kill or oom, ABRT → abort,
// anything else → crash); then the reason the worker recorded; then the exit code
// (non-zero → crash; zero with nothing recorded → quit, a worker leaving on its own).
ExitReason classify_exit(const ExitFacts& facts);

// True when the supervisor or a user asked for the exit, so the worker is replaced at once:
// the master's own retirements (except a timeout); quit, term, int or max_requests recorded by
// the worker itself (an exit, not a death by signal); a signal wpm announced, when the exit is
// the one that signal causes. Everything else (crash, oom, timeout, an ABRT or KILL nobody
// announced, an exit 0 the worker did not explain) is unplanned: the crash-loop guard applies.
bool planned_exit(const ExitFacts& facts, ExitReason reason);

// Human text for logs: "exited with code 1", "killed by signal 9 (SIGKILL)".
std::string describe_wait_status(int wait_status);

// Reads the "oom_kill" counter of the master's own memory cgroup (v2 memory.events or v1
// memory.oom_control; workers share the cgroup). Cheap: one small file, read only when a
// worker died by a SIGKILL that the master did not send.
class OomWatcher {
 public:
  OomWatcher();
  // True if the counter grew since the last call (or construction).
  bool oom_kill_since_last_check();

 private:
  std::string events_path_;  // empty when no memory cgroup is visible
  uint64_t last_count_ = 0;
};

// Parses the "oom_kill N" line of memory.events (v2) or memory.oom_control (v1).
std::optional<uint64_t> parse_oom_kill_count(const std::string& memory_events);

}  // namespace wpm::supervisor
