#include "supervisor/state_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/clock.h"
#include "core/log.h"

namespace wpm::supervisor {

PoolState make_pool_state(const PoolIdentity& id, const PoolSnapshot& snapshot) {
  PoolState state;
  state.name = id.name;
  state.master_pid = id.master_pid;
  state.worker_class = id.worker_class;
  state.bind = id.bind;
  state.metrics_bind = id.metrics_bind;
  state.updated_unix = unix_seconds();
  state.updated_monotonic_ns = monotonic_ns();
  std::vector<const WorkerSnapshot*> live;
  for (const WorkerSnapshot& w : snapshot.workers)
    if (!w.retired && !w.exited) live.push_back(&w);
  std::stable_sort(live.begin(), live.end(), [](const WorkerSnapshot* a, const WorkerSnapshot* b) {
    return a->index != b->index ? a->index < b->index : a->age > b->age;
  });
  for (const WorkerSnapshot* w : live) state.workers.push_back(row_of(*w));
  return state;
}

void StateWriter::write(const PoolSnapshot& snapshot) {
  Status s = write_state_file(dir_, make_pool_state(identity_, snapshot));
  if (s.ok()) {
    last_error_.clear();
    return;
  }
  if (s.error().message != last_error_) log_warning("state file: ", s.error().message);
  last_error_ = s.error().message;
}

void StateWriter::remove() {
  std::string path = state_file_path(dir_);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    log_warning("cannot remove state file ", path, ": ", errno_error("unlink").message);
}

}  // namespace wpm::supervisor
