#include "workers/signals.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>

#include "core/slot_ops.h"

namespace wpm {
namespace {

// Plain globals: signal handlers can reach nothing else.
std::atomic<SlotHot*> g_hot{nullptr};
std::atomic<int> g_wake_fd{-1};
std::atomic<uint32_t> g_stop_plus1{0};  // ExitReason + 1
std::atomic<bool> g_reopen{false};

static_assert(std::atomic<SlotHot*>::is_always_lock_free);
static_assert(std::atomic<int>::is_always_lock_free);

void wake() {
  int fd = g_wake_fd.load(std::memory_order_relaxed);
  if (fd < 0) return;
  int saved = errno;  // a handler must not clobber the errno of the code it interrupted
  uint64_t one = 1;
  ssize_t ignored = write(fd, &one, sizeof(one));
  (void)ignored;
  errno = saved;
}

void stop_with(ExitReason reason) {
  uint32_t expected = 0;
  if (g_stop_plus1.compare_exchange_strong(expected, static_cast<uint32_t>(reason) + 1)) {
    if (SlotHot* hot = g_hot.load(std::memory_order_relaxed))
      set_state(*hot, WorkerState::quitting);
  }
  wake();
}

void on_signal(int sig) {
  SlotHot* hot = g_hot.load(std::memory_order_relaxed);
  switch (sig) {
    case SIGQUIT:
      // The master's QUIT once this worker's pre-started successor runs (successor.h): the
      // worker leaves for its max_requests, not for a user's quit.
      stop_with(hot && hot->successor_wanted.load(std::memory_order_acquire) == kSuccessorRunning
                    ? ExitReason::max_requests
                    : ExitReason::quit);
      break;
    case SIGTERM:
      stop_with(ExitReason::term);
      break;
    case SIGINT:
      if (hot) record_worker_exit(*hot, ExitReason::int_);
      _exit(0);
    case SIGABRT:
      if (hot) {
        set_state(*hot, WorkerState::aborting);
        record_worker_exit(*hot, ExitReason::abort);
      }
      _exit(1);
    case SIGUSR1:
      g_reopen.store(true, std::memory_order_relaxed);
      wake();
      break;
    default:
      break;
  }
}

Status install(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  // Block the other control signals while one handler runs: ABRT must not interrupt INT.
  for (int s : {SIGQUIT, SIGTERM, SIGINT, SIGABRT, SIGUSR1}) sigaddset(&sa.sa_mask, s);
  sa.sa_flags = 0;  // no SA_RESTART: blocking waits return EINTR and notice the flag
  if (sigaction(sig, &sa, nullptr) != 0) return errno_error("sigaction(" + std::to_string(sig) + ")");
  return {};
}

}  // namespace

Status install_worker_signals(SlotHot& hot) {
  g_hot.store(&hot, std::memory_order_relaxed);
  if (g_wake_fd.load() < 0) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) return errno_error("eventfd for worker signals");
    g_wake_fd.store(fd);
  }
  for (int sig : {SIGQUIT, SIGTERM, SIGINT, SIGABRT, SIGUSR1})
    if (Status s = install(sig, on_signal); !s) return s;
  // PIPE: a vanished peer is an EPIPE. TTIN/TTOU: master-only signals whose default action
  // would freeze (stop) a worker that got one by mistake or wrote logs to a tostop terminal.
  for (int sig : {SIGPIPE, SIGTTIN, SIGTTOU})
    if (Status s = install(sig, SIG_IGN); !s) return s;
  // The master may have spawned us with some of these blocked (inherited mask).
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGQUIT, SIGTERM, SIGINT, SIGABRT, SIGUSR1}) sigaddset(&set, s);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  return {};
}

void unbind_worker_signals() { g_hot.store(nullptr, std::memory_order_relaxed); }

int signal_wake_fd() { return g_wake_fd.load(std::memory_order_relaxed); }

void drain_signal_wake() {
  uint64_t value = 0;
  int fd = signal_wake_fd();
  if (fd >= 0) {
    ssize_t ignored = read(fd, &value, sizeof(value));
    (void)ignored;
  }
}

std::optional<ExitReason> stop_requested() {
  uint32_t v = g_stop_plus1.load(std::memory_order_relaxed);
  if (v == 0) return std::nullopt;
  return static_cast<ExitReason>(v - 1);
}

bool take_reopen_logs() { return g_reopen.exchange(false, std::memory_order_relaxed); }

void request_stop(ExitReason reason) { stop_with(reason); }

}  // namespace wpm
