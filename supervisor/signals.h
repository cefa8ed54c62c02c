// The master's signals, read synchronously from a signalfd in its event loop (no handler code
// racing the loop). The signals must be blocked before the master creates any thread, so every
// thread inherits the mask and the kernel queues them for the signalfd.
#pragma once

#include <csignal>
#include <optional>

#include "core/names.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace wpm::supervisor {

class SignalChannel {
 public:
  // Blocks TERM, INT, QUIT, HUP, TTIN, TTOU, USR1, USR2, WINCH and CHLD in the calling thread,
  // ignores SIGPIPE, and opens a close-on-exec, non-blocking signalfd for them (USR2 and WINCH
  // only to log them: USR2's default action would kill the master). The mask is left in place
  // when the channel is destroyed: a TERM arriving while the master returns its exit code must
  // not kill it with the default action.
  static Result<SignalChannel> open();
  SignalChannel(SignalChannel&&) noexcept = default;
  SignalChannel& operator=(SignalChannel&&) noexcept = default;

  int fd() const { return fd_.get(); }
  // The next pending signal number, or nullopt when none is pending.
  std::optional<int> next();

 private:
  explicit SignalChannel(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// The control signal a master signal number stands for (SIGTERM → term …), if any.
std::optional<ControlSignal> control_signal_of(int signo);

}  // namespace wpm::supervisor
