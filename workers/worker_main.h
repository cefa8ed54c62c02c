// Entry point of a worker process (`wpm worker …`, exec'd by the master).
#pragma once

#include "core/options.h"
#include "core/profile.h"

namespace wpm {

// Attaches the inherited metrics segment, takes options.slot, installs the signal handlers,
// sets the state `running` and runs the model of options.worker_class on the inherited
// listen socket. Returns the exit code: 0 after a graceful exit (quit, term, max_requests),
// 1 on failure (bad segment or slot, a class not built yet). ABRT exits 1 and INT exits 0
// from their signal handlers, without returning.
// `profile` (read by the caller from options.profile) replaces the built-in routes.
int run_worker(const WorkerOptions& options, const Profile* profile = nullptr);

}  // namespace wpm
