#include "workers/fork_server.h"

#include <dlfcn.h>
#include <time.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/fork_request.h"
#include "core/log.h"
#include "workers/worker_main.h"

namespace wpm {
namespace {

// glibc describes its thread descriptor to debuggers (libthread_db) with these symbols: the
// `tid` field is {bit size, count, byte offset} from pthread_self().
struct DebuggerFieldDescriptor {
  uint32_t bits;
  uint32_t count;
  uint32_t offset;
};

bool send_all(int fd, const void* message, size_t size) {
  ssize_t n;
  do n = ::send(fd, message, size, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(size);
}

// The process's argv text (contiguous in memory), which ps shows: the fork server and each
// worker it forks write their own there, so every worker shows its index, not the server's argv.
class ArgvArea {
 public:
  explicit ArgvArea(std::span<char* const> args)
      : begin_(args.empty() ? nullptr : args.front()),
        room_(args.empty() ? 0 : static_cast<size_t>(args.back() + std::strlen(args.back()) -
                                                     args.front())) {}
  void write(const std::string& text) const {
    if (begin_ == nullptr) return;
    size_t n = std::min(room_, text.size());
    std::memcpy(begin_, text.data(), n);
    std::memset(begin_ + n, 0, room_ - n);
  }

 private:
  char* begin_;
  size_t room_;
};

std::string title(std::string_view role, const WorkerOptions& o) {
  std::string text = std::string(role) + " --worker-class " + std::string(to_string(o.worker_class));
  if (role == "worker")
    text += " --index " + std::to_string(o.index) + " --slot " + std::to_string(o.slot) +
            " --max-requests " + std::to_string(o.max_requests);
  return text + " --name " + o.name;
}

// Forks a worker that is the master's child. Returns its pid in the fork server, 0 in the
// worker, -errno on failure.
long fork_worker(int* thread_id_cell) {
  clone_args args{};
  args.flags = CLONE_PARENT | CLONE_CHILD_SETTID;
  args.child_tid = reinterpret_cast<uint64_t>(thread_id_cell);
  // No exit_signal (clone3 refuses one with CLONE_PARENT): the child inherits the fork
  // server's own, SIGCHLD, which the master gave it when it started it.
  std::fflush(nullptr);  // nothing buffered is written twice
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  return pid < 0 ? -errno : pid;
}

[[noreturn]] void become_worker(WorkerOptions options, const ForkRequest& request,
                                const Profile* profile, const ArgvArea& argv, pid_t master) {
  ::close(options.fork_server_fd);
  options.fork_server_fd = -1;
  // As the exec'd worker: killed with the master. A master gone before this took effect
  // leaves the worker reparented; it must not serve then.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != master) _exit(kExitRuntime);
  options.slot = request.slot;
  options.index = request.index;
  options.max_requests = request.max_requests;
  set_log_tag("worker " + std::to_string(options.index));
  argv.write(title("worker", options));
  std::exit(run_worker(options, profile));
}

}  // namespace

int* own_thread_id_cell() {
  const auto* d = static_cast<const DebuggerFieldDescriptor*>(
      ::dlvsym(RTLD_DEFAULT, "_thread_db_pthread_tid", "GLIBC_PRIVATE"));
  if (d == nullptr || d->bits != 32 || d->count != 1) return nullptr;
  auto* cell = reinterpret_cast<int*>(reinterpret_cast<char*>(::pthread_self()) + d->offset);
  return *cell == static_cast<int>(::syscall(SYS_gettid)) ? cell : nullptr;
}

int run_fork_server(WorkerOptions options, const Profile* profile, std::span<char* const> args) {
  const ArgvArea argv(args);
  argv.write(title("fork-server", options));
  const int fd = options.fork_server_fd;
  const pid_t master = ::getppid();
  set_log_tag("fork server");
  ::tzset();  // read /etc/localtime once here, not in every worker's first timestamp
  int* thread_id_cell = own_thread_id_cell();
  ForkHello hello;
  if (thread_id_cell == nullptr) {
    log_warning("cannot find glibc's thread id cell; workers will be started by exec");
    hello.error = ENOTSUP;
  }
  if (!send_all(fd, &hello, sizeof hello) || hello.error != 0) return kExitRuntime;
  for (;;) {
    ForkRequest request;
    ssize_t n = ::recv(fd, &request, sizeof request, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return kExitOk;  // the master closed its end: stopping or reloading
    if (n != static_cast<ssize_t>(sizeof request) || request.version != kForkProtocolVersion) {
      log_error("bad request from the master (", n < 0 ? std::strerror(errno) : "wrong size", ")");
      return kExitRuntime;
    }
    long pid = fork_worker(thread_id_cell);
    if (pid == 0) become_worker(options, request, profile, argv, master);
    ForkReply reply{request.sequence, pid > 0 ? static_cast<int32_t>(pid) : 0,
                    pid > 0 ? 0 : static_cast<int32_t>(-pid)};
    if (!send_all(fd, &reply, sizeof reply)) return kExitRuntime;
  }
}

}  // namespace wpm
