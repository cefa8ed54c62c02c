// The pool's state file: how `wpm signal` and `wpm status` find a running master. Lives in
// $XDG_RUNTIME_DIR/wpm/<name>/state.json (fallback /tmp/wpm-<uid>/<name>/), directories 0700,
// file 0600, replaced atomically (core/safe_file.h) so readers never see half a file.
//
// A state file outlives a master killed by SIGKILL, and its pids may then name other
// processes. So a master counts as alive only while it holds the pool's master.lock (an flock
// the kernel drops when the master dies) AND the process at master_pid started at the
// recorded master_start_time (core/process_identity.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/worker_row.h"

namespace wpm {

struct PoolState {
  std::string name;
  int32_t master_pid = 0;
  uint64_t master_start_time = 0;  // /proc/<master_pid>/stat field 22
  std::string worker_class;
  std::string bind;          // "HOST:PORT" with the real port
  std::string metrics_bind;  // "HOST:PORT" with the real port
  double updated_unix = 0;
  uint64_t updated_monotonic_ns = 0;  // the same moment on the clock of WorkerTimes
  std::vector<WorkerRow> workers;  // live workers; cpu_seconds is not part of the file
};

// The directory for pool `name`, created (0700) when `create` is true.
Result<std::string> runtime_dir(const std::string& name, bool create);
std::string state_file_path(const std::string& dir);
// The file the master holds an exclusive flock on for its whole life.
std::string master_lock_path(const std::string& dir);
// True while some process holds the exclusive lock on the master.lock in `dir`.
bool master_lock_held(const std::string& dir);

std::string to_json(const PoolState& state, int indent = -1);
Result<PoolState> parse_pool_state(const std::string& json);

Status write_state_file(const std::string& dir, const PoolState& state);

enum class MasterStatus {
  alive,     // holds the lock and is the recorded process
  stale,     // nobody holds the lock: the master died and left its files behind
  starting,  // the lock is held, but not by the process the file names (a new master that
             // has not written its state yet, or a hand-edited file)
};
struct PoolLookup {
  std::string name;  // as asked for
  PoolState state;
  MasterStatus master = MasterStatus::stale;
  std::string path;  // of the state file
};
// The state file of pool `name` and whether its master is alive; an error when there is no
// (readable) state file. Removes nothing.
Result<PoolLookup> lookup_pool(const std::string& name);
// "pool 'NAME' is not running (stale state from pid P)" and the like, for a lookup that is
// not alive.
std::string not_alive_message(const PoolLookup& lookup);
// Reads the state of pool `name`; fails with a clear message unless its master is alive.
Result<PoolState> read_state_file(const std::string& name);
Status remove_state_file(const std::string& name);

}  // namespace wpm
