// RSS and CPU of workers sampled from /proc by the master (DESIGN.md §4: memory, cpu_percent,
// cpu_seconds are master-written so they stay fresh while a worker is idle or stuck).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "core/segment.h"

namespace wpm::supervisor {

struct ProcSample {
  uint64_t rss_bytes = 0;
  uint64_t cpu_ns = 0;  // utime + stime
  bool zombie = false;  // exited, not yet reaped: the numbers are gone
};

// Reads /proc/<pid>/stat and /proc/<pid>/statm.
Result<ProcSample> read_proc_sample(pid_t pid);
// Parses the text of /proc/<pid>/stat (the comm field may hold spaces and parentheses).
bool parse_proc_stat(std::string_view text, char& state, uint64_t& utime_ticks,
                     uint64_t& stime_ticks);

// CPU percent × 1000 used between two samples; 100 % = one core fully busy.
uint64_t cpu_permille(uint64_t prev_cpu_ns, uint64_t prev_ns, uint64_t cpu_ns, uint64_t now_ns);

// Samples every active slot of a segment. Not thread-safe: the master serialises callers (its
// loop and scrapes) with the same lock that guards slot recycling.
// A reading replaces the slot's figures only while the worker is alive and serving (booting,
// running or quitting): an aborting worker, a zombie or a process whose memory is already gone
// (RSS 0) would overwrite the last live figures with teardown numbers.
class ProcSampler {
 public:
  void sample(const Segment& segment, uint64_t now_ns);
  // One worker, e.g. the moment it becomes ready, so a young worker never reads 0.
  void sample_slot(WorkerSlot& slot, uint32_t number, uint64_t now_ns);
  uint64_t last_sample_ns() const { return last_sample_ns_; }

 private:
  struct Previous {
    pid_t pid = 0;
    uint64_t cpu_ns = 0;
    uint64_t at_ns = 0;
  };

  std::unordered_map<uint32_t, Previous> previous_;  // by slot number
  uint64_t last_sample_ns_ = 0;
};

}  // namespace wpm::supervisor
