// Test helpers for the thread worker, on top of the shared keep-alive client.
#pragma once

#include "tests/unit/workers/keepalive_client.h"

namespace wpm::test {

inline WorkerOptions thread_options(uint32_t threads = 4) {
  WorkerOptions o;
  o.worker_class = WorkerClass::thread;
  o.threads = threads;
  o.timeout_s = 4;  // heartbeat every second at most; peers get 4 s
  o.keepalive_s = 5;
  o.graceful_timeout_s = 5;
  o.log_level = LogLevel::warning;
  return o;
}

// The worker's open fds once it has served a request (its epoll sets, eventfds and threads
// exist) and closed that connection (the client saw EOF after the server's close).
inline size_t settled_fd_count(WorkerProcess& w) {
  if (status_of(get_close(w.port(), "/")) != 200) return 0;
  return open_fd_count(w.pid());
}

// The snapshot once no request is in flight: a keep-alive client reads its response before
// the worker records the request (finish() follows the write), so wait for the record.
inline WorkerSnapshot settled_snapshot(WorkerProcess& w) {
  eventually([&] { return w.slot().hot.in_flight.load() == 0; });
  return w.snapshot();
}

}  // namespace wpm::test
