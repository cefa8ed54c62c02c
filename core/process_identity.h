// Who a pid names right now. A pid read from a file (the state file, a pidfile) is only a
// number: once its process exits the kernel hands it to the next fork. So wpm records a pid
// together with the process's start time (/proc/<pid>/stat field 22, clock ticks after boot),
// and checks both before it signals anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace wpm {

struct ProcStat {
  char state = '?';         // R, S, D, Z, ...
  int32_t ppid = 0;
  uint64_t start_time = 0;  // clock ticks after boot; never 0 for a real process
};

// Parses the text of /proc/<pid>/stat (the command name may hold spaces and parentheses).
std::optional<ProcStat> parse_proc_stat(std::string_view text);
std::optional<ProcStat> read_proc_stat(int32_t pid);

// What /proc/<pid>/status says about signals, as bit masks (bit n-1 for signal n).
struct SignalMasks {
  uint64_t pending = 0;  // SigPnd (the main thread's) | ShdPnd (the process's)
  uint64_t ignored = 0;  // SigIgn
};
std::optional<SignalMasks> parse_signal_masks(std::string_view status_text);
std::optional<SignalMasks> read_signal_masks(int32_t pid);

// True while `pid` is the process that started at `start_time` and has not exited.
bool same_process(int32_t pid, uint64_t start_time);

// A process pinned by a pidfd after its identity was checked, so a signal sent through it
// reaches that process or nothing: never a process that took its pid in the meantime.
class VerifiedProcess {
 public:
  // Refuses unless `pid` > 1, is not wpm itself, is alive with `start_time` and, when
  // `parent` > 0, is a child of `parent`. `what` names the target in the error.
  static Result<VerifiedProcess> open(int32_t pid, uint64_t start_time, int32_t parent,
                                      const std::string& what);
  Status send(int signo) const;
  int32_t pid() const { return pid_; }

 private:
  VerifiedProcess(UniqueFd pidfd, int32_t pid) : pidfd_(std::move(pidfd)), pid_(pid) {}
  UniqueFd pidfd_;
  int32_t pid_ = 0;
};

}  // namespace wpm
