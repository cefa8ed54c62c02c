// One worker as a table row: a line of `wpm status` (and of the state file it reads) and a line
// of a bench report's worker table. The shared-memory view with histograms and label sets is
// WorkerSnapshot (core/snapshot.h); a row is what a person reads about one worker.
#pragma once

#include <cstdint>
#include <string>

#include "core/names.h"
#include "core/worker_times.h"

namespace wpm {

struct WorkerRow {
  uint32_t index = 0;
  std::string worker_id;
  int32_t pid = 0;
  WorkerState state = WorkerState::booting;
  uint64_t requests = 0;
  uint64_t rss_bytes = 0;
  double cpu_percent = 0;
  double cpu_seconds = 0;
  double uptime_seconds = 0;
  WorkerTimes times;  // the master's milestones: spawn, ready, first request, replaced death
  uint64_t start_time = 0;  // /proc/<pid>/stat field 22: with pid, names the process (state file)
};

}  // namespace wpm
