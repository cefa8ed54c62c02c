#include "supervisor/signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace wpm::supervisor {
namespace {

sigset_t master_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2, SIGWINCH,
                  SIGCHLD})
    sigaddset(&set, sig);
  return set;
}

}  // namespace

Result<SignalChannel> SignalChannel::open() {
  // A vanished scraper or client must surface as EPIPE, not kill the master.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t set = master_signals();
  sigset_t previous;
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, &previous); rc != 0)
    return errno_error("pthread_sigmask", rc);
  UniqueFd fd(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd.valid()) {
    Error e = errno_error("signalfd");
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return e;
  }
  return SignalChannel(std::move(fd));
}

std::optional<int> SignalChannel::next() {
  signalfd_siginfo info{};
  for (;;) {
    ssize_t n = ::read(fd_.get(), &info, sizeof info);
    if (n == static_cast<ssize_t>(sizeof info)) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno == EINTR) continue;
    return std::nullopt;  // EAGAIN: nothing pending
  }
}

std::optional<ControlSignal> control_signal_of(int signo) {
  switch (signo) {
    case SIGTERM: return ControlSignal::term;
    case SIGINT: return ControlSignal::int_;
    case SIGQUIT: return ControlSignal::quit;
    case SIGHUP: return ControlSignal::hup;
    case SIGTTIN: return ControlSignal::ttin;
    case SIGTTOU: return ControlSignal::ttou;
    case SIGUSR1: return ControlSignal::usr1;
    default: return std::nullopt;
  }
}

}  // namespace wpm::supervisor
