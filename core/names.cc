#include "core/names.h"

#include <csignal>

namespace wpm {

int signal_number(ControlSignal s) {
  switch (s) {
    case ControlSignal::term: return SIGTERM;
    case ControlSignal::int_: return SIGINT;
    case ControlSignal::quit: return SIGQUIT;
    case ControlSignal::hup: return SIGHUP;
    case ControlSignal::ttin: return SIGTTIN;
    case ControlSignal::ttou: return SIGTTOU;
    case ControlSignal::usr1: return SIGUSR1;
    case ControlSignal::abort: return SIGABRT;
    case ControlSignal::kill: return SIGKILL;
  }
  return 0;
}

}  // namespace wpm
