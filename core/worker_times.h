// A worker's milestones as the master records them (DESIGN.md §9: replacement is measured as
// death → spawn → ready → first request). CLOCK_MONOTONIC nanoseconds, comparable between
// processes of one machine; 0 = not reached (yet) or not applicable.
#pragma once

#include <cstdint>

namespace wpm {

struct WorkerTimes {
  uint64_t spawn_ns = 0;          // the master started it
  uint64_t ready_ns = 0;          // the master received its readiness notification
  uint64_t first_request_ns = 0;  // it recorded its first request
  // For a worker that replaced one that died: that worker's pid and when it was reaped.
  int32_t replaced_pid = 0;
  uint64_t replaced_death_ns = 0;
};

}  // namespace wpm
