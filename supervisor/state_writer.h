// The pool's state file (core/state_file.h) as the master maintains it: what `wpm status` and
// `wpm signal` read to find the master, its real ports and its live workers.
#pragma once

#include <string>
#include <unordered_map>

#include "core/snapshot.h"
#include "core/state_file.h"

namespace wpm::supervisor {

struct PoolIdentity {
  std::string name;
  int32_t master_pid = 0;
  std::string worker_class;
  std::string bind;          // "HOST:PORT", real port
  std::string metrics_bind;  // "HOST:PORT", real port
  uint64_t master_start_time = 0;  // /proc/<pid>/stat field 22; StateWriter fills it in
};

// Live workers only (exited ones are in /metrics, not in the status table), ordered by pool
// index and, during a reload, the newest worker of an index first.
PoolState make_pool_state(const PoolIdentity& identity, const PoolSnapshot& snapshot);

// Writes the state file of a pool into its runtime directory; logs (once per distinct error)
// instead of failing, because a status file problem must not stop a serving pool. Every pid
// in the file comes with its process's start time, read once per process from /proc while it
// is our unreaped child (so it cannot be anyone else's yet).
class StateWriter {
 public:
  StateWriter(std::string dir, PoolIdentity identity);
  void write(const PoolSnapshot& snapshot);
  void remove();

 private:
  void add_start_times(PoolState& state);

  std::string dir_;
  PoolIdentity identity_;
  std::string last_error_;
  std::unordered_map<std::string, uint64_t> start_times_;  // "pid worker_id" of live workers
};

}  // namespace wpm::supervisor
