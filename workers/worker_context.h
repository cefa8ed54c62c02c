// What run_worker hands to a worker model, and the entry point every model implements.
// Adding a model: write workers/<name>_worker.cc defining run_<name>_worker(WorkerContext&),
// and return it from worker_model() in worker_models.cc. See workers/README.md.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "core/options.h"
#include "core/segment.h"
#include "core/shm_layout.h"
#include "workers/durations.h"
#include "workers/app.h"
#include "workers/successor.h"

namespace wpm {

struct WorkerContext {
  const WorkerOptions& options;
  WorkerSlot& slot;               // this worker's slot; state is already `running`
  const app::SyntheticApp& app;
  int listen_fd;                  // bound + listening, shared with the other workers
  pid_t parent_pid;               // the master at startup
  const Segment* segment = nullptr;  // the pool's slots (accept balance); null in some tests
  // Told every request count that counts toward max_requests (asks for a pre-started successor).
  SuccessorRequest successor{};

  // Reparented means the master died: a worker must then exit instead of serving forever.
  bool parent_alive() const { return getppid() == parent_pid; }
  // How long a loop may wait before refreshing its heartbeat: ≤ 1 s and ≤ timeout / 4.
  int heartbeat_interval_ms() const {
    return options.timeout_s > 0 ? seconds_to_ms_clamped(options.timeout_s / 4, 10, 1000) : 1000;
  }
  // Deadline for a peer to send a request or take a response (a slow client, not a stuck
  // worker): `timeout`, at least one second.
  uint64_t io_timeout_ns() const {
    return seconds_to_ns(std::max(1.0, options.timeout_s));
  }
};

// Each connection is an fd: raises the soft open-file limit to worker_connections + 64 when
// the hard limit allows (core/fd_limit.h), with a warning when it does not.
void make_room_for_connections(uint32_t connections);

// The model of each worker class. Returns the process exit code: 0 after a graceful exit
// (quit, term, max_requests), 1 on a runtime failure. ABRT and INT never return here.
using WorkerModel = int (*)(WorkerContext&);

int run_sync_worker(WorkerContext& ctx);
int run_thread_worker(WorkerContext& ctx);
int run_eventlet_worker(WorkerContext& ctx);
int run_gevent_worker(WorkerContext& ctx);

// The model of a class (nullptr only for a value outside the enum, e.g. a corrupt argv).
WorkerModel worker_model(WorkerClass worker_class);

}  // namespace wpm
