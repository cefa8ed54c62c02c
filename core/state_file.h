// The pool's state file: how `wpm signal` and `wpm status` find a running master. Lives in
// $XDG_RUNTIME_DIR/wpm/<name>/state.json (fallback /tmp/wpm-<uid>/<name>/), directories 0700,
// file 0600, replaced atomically (write + rename) so readers never see half a file.
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

std::string to_json(const PoolState& state, int indent = -1);
Result<PoolState> parse_pool_state(const std::string& json);

Status write_state_file(const std::string& dir, const PoolState& state);
// Reads the state of pool `name`; fails with a clear message when none is running.
Result<PoolState> read_state_file(const std::string& name);
Status remove_state_file(const std::string& name);

}  // namespace wpm
