// The wpm master (DESIGN.md §2): binds the listen socket, creates the metrics segment,
// supervises a pool of `wpm worker` processes, serves /metrics and /healthz, and maintains the
// pool's state file until it stops.
#pragma once

#include "core/options.h"

namespace wpm {

// Runs a pool in the foreground until it is stopped by TERM (graceful), INT or QUIT (quick).
// Returns the process exit code: 0 after a stop by signal, 1 on a runtime failure (an address
// in use, an unusable worker binary, another master with the same name…), 2 for unusable
// options. Blocks the master's signals in the calling thread and leaves them blocked: call it
// before creating threads, and exit with its result.
int run_master(const ServeOptions& options);

}  // namespace wpm
