// Worker signal handling (DESIGN.md §2), shared by every worker type.
//
//   QUIT  graceful quit: state quitting, stop_requested() = quit; the loop stops accepting,
//         finishes the request(s) in hand and exits 0.
//   TERM  as QUIT with reason term (models with keep-alive also drain open connections).
//   INT   immediate: records exit reason int and _exit(0) from the handler.
//   ABRT  forced: state aborting, records exit reason abort and _exit(1) from the handler;
//         in-flight requests are lost.
//   USR1  take_reopen_logs() becomes true once (logs go to stderr: nothing to reopen).
//   PIPE  ignored: a peer that goes away is an EPIPE on the write, not a dead worker.
//   TTIN, TTOU  ignored: master signals; their default action would stop (freeze) a worker.
//
// Handlers touch only atomics (in the shared slot and here) and write to an eventfd, all
// async-signal-safe. Loops poll wake_fd() next to their sockets so a signal interrupts an
// idle wait at once. Handlers are installed without SA_RESTART: blocking calls see EINTR.
#pragma once

#include <optional>

#include "core/names.h"
#include "core/result.h"
#include "core/shm_layout.h"

namespace wpm {

// Installs the handlers for this process (once; a second call only rebinds the slot).
Status install_worker_signals(SlotHot& hot);
// Unbinds the slot before it is unmapped; handlers then only exit.
void unbind_worker_signals();
// Readable (level-triggered) once a signal has arrived; drain_signal_wake() clears it. In a
// multi-threaded model let one thread drain it, the others check the flags.
int signal_wake_fd();
void drain_signal_wake();
// quit or term once one of them arrived (the first one wins), else nothing.
std::optional<ExitReason> stop_requested();
// True once per USR1 received.
bool take_reopen_logs();
// Lets a loop stop itself through the same path as a signal (e.g. the parent died).
void request_stop(ExitReason reason);

}  // namespace wpm
