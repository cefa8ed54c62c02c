// Starting worker processes by exec (DESIGN.md §2): the master has threads, so never a
// fork-without-exec. The only translation unit that includes Boost.Process (a heavy header).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"

namespace wpm::supervisor {

struct SpawnRequest {
  std::string exe;                // path of the executable (not looked up in PATH)
  std::vector<std::string> args;  // without argv[0]
  // The only descriptors the child keeps besides stdin, stdout and stderr; they lose
  // close-on-exec in the child, every other descriptor gains it.
  std::vector<int> inherit_fds;
  // stdout and stderr go to this file, a new one with mode 0600 renamed over the path (a planted
  // symlink or foreign file is replaced, never written through: core/safe_file.h); empty:
  // inherited from the caller.
  std::string log_path;
  bool new_process_group = false;  // the child leads a process group of its own
  bool die_with_parent = true;     // PR_SET_PDEATHSIG=SIGKILL
};

// Launches the process and returns its pid once exec succeeded (an exec failure is an error
// naming the executable). The child starts with an empty signal mask and default signal
// dispositions, and (unless die_with_parent is false) is killed if the spawning thread's
// process dies (PR_SET_PDEATHSIG), so no worker outlives a crashed master. The child is NOT
// reaped here: the caller owns waitpid for it.
Result<pid_t> spawn_process(const SpawnRequest& request);

}  // namespace wpm::supervisor
