#include "workers/worker_main.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/clock.h"
#include "core/fd_limit.h"
#include "core/log.h"
#include "core/segment.h"
#include "core/slot_ops.h"
#include "workers/signals.h"
#include "workers/worker_context.h"

namespace wpm {
namespace {

// The listen fd must really be a listening socket: a wrong fd number from the master would
// otherwise surface as an obscure accept() error in a loop.
bool is_listening_socket(int fd) {
  int listening = 0;
  socklen_t len = sizeof(listening);
  return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
}

// Wakes the master, which then reads the state from the slot.
void notify_ready(int fd) {
  if (fd < 0) return;
  uint64_t one = 1;
  ssize_t n;
  do n = write(fd, &one, sizeof one);
  while (n < 0 && errno == EINTR);
  if (n < 0) log_warning("cannot notify the master of readiness: ", errno_error("write").message);
}

}  // namespace

void make_room_for_connections(uint32_t connections) {
  uint64_t want = uint64_t{connections} + 64;
  Result<FdLimit> lim = raise_fd_limit(want);
  if (!lim)
    log_warning("cannot raise the open-file limit: ", lim.error().message);
  else if (lim->soft < want)
    log_warning("open-file limit ", lim->soft, " is below worker_connections ", connections,
                " + 64; accept will back off at the limit");
}

int run_worker(const WorkerOptions& options, const Profile* profile) {
  set_log_level(options.log_level);
  set_log_tag("worker " + std::to_string(options.index));
  Result<Segment> segment = Segment::attach(options.segment_fd);
  if (!segment) {
    log_error("cannot attach metrics segment fd ", options.segment_fd, ": ",
              segment.error().message);
    return kExitRuntime;
  }
  if (options.slot >= segment->capacity()) {
    log_error("slot ", options.slot, " out of range (segment has ", segment->capacity(), ")");
    return kExitRuntime;
  }
  WorkerSlot& slot = segment->slot(options.slot);
  if (Status s = install_worker_signals(slot.hot); !s) {
    log_error("cannot install signal handlers: ", s.error().message);
    return kExitRuntime;
  }
  WorkerModel model = worker_model(options.worker_class);
  if (model == nullptr) {
    log_error("unknown worker class #", static_cast<int>(options.worker_class));
    return kExitRuntime;
  }
  if (!is_listening_socket(options.listen_fd)) {
    log_error("listen fd ", options.listen_fd, " is not a listening socket");
    return kExitRuntime;
  }
  // Distinct draws per worker: the pid differs between every worker of the machine.
  uint64_t seed = (uint64_t{static_cast<uint32_t>(getpid())} << 32) ^ options.index;
  app::SyntheticApp app(app::AppOptions{options.allow_crash, profile, seed});
  WorkerContext ctx{options, slot, app, options.listen_fd, getppid(), &*segment};
  heartbeat(slot.hot, monotonic_ns());
  set_state(slot.hot, WorkerState::running);
  notify_ready(options.ready_fd);
  // The same eventfd later asks for a successor near max_requests; otherwise it is done with.
  if (successor_threshold(options.max_requests) != 0)
    ctx.successor = SuccessorRequest(options.max_requests, options.ready_fd, &slot.hot);
  else if (options.ready_fd >= 0)
    close(options.ready_fd);
  log_debug("worker ", getpid(), " running (", to_string(options.worker_class), ")");
  int code = model(ctx);
  unbind_worker_signals();  // the segment is unmapped when we return
  close(options.listen_fd);  // our own copy; the master and other workers keep theirs
  return code;
}

}  // namespace wpm
