#include "supervisor/state_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/clock.h"
#include "core/log.h"
#include "core/process_identity.h"

namespace wpm::supervisor {

PoolState make_pool_state(const PoolIdentity& id, const PoolSnapshot& snapshot) {
  PoolState state;
  state.name = id.name;
  state.master_pid = id.master_pid;
  state.master_start_time = id.master_start_time;
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

StateWriter::StateWriter(std::string dir, PoolIdentity identity)
    : dir_(std::move(dir)), identity_(std::move(identity)) {
  if (std::optional<ProcStat> self = read_proc_stat(identity_.master_pid))
    identity_.master_start_time = self->start_time;
}

void StateWriter::add_start_times(PoolState& state) {
  std::unordered_map<std::string, uint64_t> live;
  for (WorkerRow& w : state.workers) {
    // Keyed by worker_id too: a recycled pid may belong to a newer worker by now.
    std::string key = std::to_string(w.pid) + " " + w.worker_id;
    auto known = start_times_.find(key);
    if (known != start_times_.end()) {
      w.start_time = known->second;
    } else {
      std::optional<ProcStat> stat = read_proc_stat(w.pid);
      // 0 (unknown) makes `wpm signal` refuse this worker rather than guess.
      w.start_time = stat && stat->ppid == identity_.master_pid ? stat->start_time : 0;
    }
    if (w.start_time != 0) live.emplace(std::move(key), w.start_time);
  }
  start_times_ = std::move(live);
}

void StateWriter::write(const PoolSnapshot& snapshot) {
  PoolState state = make_pool_state(identity_, snapshot);
  add_start_times(state);
  Status s = write_state_file(dir_, state);
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
