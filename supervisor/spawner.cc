#include "supervisor/spawner.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>

#include "core/fd_limit.h"
#include "core/safe_file.h"
#include "core/unique_fd.h"

namespace wpm::supervisor {
namespace {

namespace bp = boost::process;

constexpr size_t kMaxInherited = 8;

// Runs in the child between fork and exec. The parent is multi-threaded, so only
// async-signal-safe calls here: no allocation, no locks, no stdio.
struct ChildSetup : bp::extend::handler {
  std::array<int, kMaxInherited> keep{};
  size_t keep_count = 0;
  int max_fd = 1024;
  pid_t parent = 0;
  int log_fd = -1;
  bool new_group = false;
  bool die_with_parent = true;

  template <class Executor>
  void on_exec_setup(Executor& /*exec*/) const {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the master blocks its signals for signalfd
    struct sigaction dfl{};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);  // e.g. SIGPIPE
    if (die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    }
    if (new_group) setpgid(0, 0);
    if (log_fd >= 0 && (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0))
      _exit(127);
    mark_cloexec_except_kept();  // log_fd too: the child keeps only its copies on 1 and 2
  }

  void mark_cloexec_except_kept() const {
    unsigned first = 3;
    for (size_t i = 0; i < keep_count; ++i) {
      unsigned fd = static_cast<unsigned>(keep[i]);
      fcntl(keep[i], F_SETFD, 0);
      if (fd > first) cloexec_range(first, fd - 1);
      first = std::max(first, fd + 1);
    }
    cloexec_range(first, ~0u);
  }

  void cloexec_range(unsigned first, unsigned last) const {
    if (syscall(SYS_close_range, first, last, CLOSE_RANGE_CLOEXEC) == 0) return;
    // Kernels before 5.11: one fcntl per possible descriptor (EBADF for unused ones).
    unsigned end = std::min(last, static_cast<unsigned>(max_fd));
    for (unsigned fd = first; fd <= end; ++fd) {
      int flags = fcntl(static_cast<int>(fd), F_GETFD);
      if (flags >= 0) fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC);
    }
  }
};

Result<ChildSetup> make_child_setup(const SpawnRequest& request) {
  if (request.inherit_fds.size() > kMaxInherited)
    return Error{"too many inherited descriptors for " + request.exe};
  ChildSetup setup;
  for (int fd : request.inherit_fds) {
    if (fd <= STDERR_FILENO) return Error{"cannot pass fd " + std::to_string(fd) + " to a worker"};
    setup.keep[setup.keep_count++] = fd;
  }
  std::sort(setup.keep.begin(), setup.keep.begin() + static_cast<long>(setup.keep_count));
  if (Result<FdLimit> limit = fd_limit(); limit)
    setup.max_fd = static_cast<int>(std::min<uint64_t>(limit->soft, 1 << 20));
  setup.parent = getpid();
  setup.new_group = request.new_process_group;
  setup.die_with_parent = request.die_with_parent;
  return setup;
}

Result<UniqueFd> open_log(const std::string& path) {
  if (path.empty()) return UniqueFd();
  // Often in a shared --out directory: a planted symlink or file is replaced, not written into.
  Result<UniqueFd> fd = create_replacing(path, 0600);
  if (!fd) return Error{"opening log file " + path + ": " + fd.error().message};
  return fd;
}

}  // namespace

Result<pid_t> spawn_process(const SpawnRequest& request) {
  Result<ChildSetup> setup = make_child_setup(request);
  if (!setup) return setup.error();
  Result<UniqueFd> log_file = open_log(request.log_path);
  if (!log_file) return log_file.error();
  setup->log_fd = log_file->get();
  try {
    bp::child child(bp::exe = request.exe, bp::args = request.args, *setup);
    pid_t pid = child.id();
    // The master reaps with waitpid(-1) on SIGCHLD; Boost must neither wait nor terminate.
    child.detach();
    return pid;
  } catch (const std::exception& e) {
    return Error{"cannot start " + request.exe + ": " + e.what()};
  }
}

}  // namespace wpm::supervisor
