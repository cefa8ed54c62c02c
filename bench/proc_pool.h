// A pre-fork pool seen only through /proc (`wpm bench --pool-pid`, `wpm status --pid` for a
// pool wpm did not start, e.g. Gunicorn): the master by pid, its workers = its live children.
// Each worker gets a stable index: the first look numbers the children by age (start time),
// a worker keeps its index while it lives, and a newcomer takes the lowest free index, so
// the replacement of worker 0 is worker 0 again, as in a wpm pool.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/state_file.h"

namespace wpm::bench {

struct ProcProcess {
  int32_t pid = 0;
  uint64_t start_time = 0;  // /proc/<pid>/stat field 22, clock ticks after boot
};

// The live (not zombie) children of `parent`, oldest first (start time, then pid).
std::vector<ProcProcess> live_children(int32_t parent);
// A start time in clock ticks after boot on the CLOCK_MONOTONIC nanoseconds of WorkerTimes.
uint64_t start_time_to_monotonic_ns(uint64_t start_ticks);
// Why `pid` cannot be attached to as a pool master ("" when it can): it must be alive, not
// wpm itself, signalable by this user (kill(pid, 0)) and have children.
std::string master_problem(int32_t pid);

// The stable indices of a changing set of workers; no /proc access (unit-tested alone).
class WorkerIndex {
 public:
  struct Entry {
    uint32_t index = 0;
    ProcProcess process;
    uint64_t seen_ns = 0;           // first look that saw it
    uint64_t first_request_ns = 0;  // first look at which its requests series was above 0
    int32_t replaced_pid = 0;       // the worker whose index it took, if that one died
    uint64_t replaced_death_ns = 0;  // the first look that missed that worker
  };
  // `live`: the children now, oldest first, seen at `now_ns`.
  void update(const std::vector<ProcProcess>& live, uint64_t now_ns);
  // The workers whose requests series was above 0 at `now_ns`.
  void note_served(const std::set<int32_t>& pids, uint64_t now_ns);
  const std::map<int32_t, Entry>& live() const { return live_; }  // by pid

 private:
  struct Vacancy {
    int32_t pid = 0;
    uint64_t since_ns = 0;
  };
  uint32_t lowest_free_index() const;

  std::map<int32_t, Entry> live_;
  std::map<uint32_t, Vacancy> vacated_;  // index → the worker that left it
};

// A master and its workers through /proc. `per_worker_series`: the requests metric is
// labelled by worker pid, so a worker counts as running once it served a request (booting
// before); without such series every live child counts as running.
class ProcPool {
 public:
  // Errors (exit 2): see master_problem().
  static Result<ProcPool> attach(int32_t master_pid);
  // The pool now: an error once the master has exited.
  Result<PoolState> look();
  void note_served(const std::set<int32_t>& pids);
  void set_per_worker_series(bool on) { per_worker_series_ = on; }
  int32_t master_pid() const { return master_.pid; }

 private:
  explicit ProcPool(ProcProcess master) : master_(master) {}
  WorkerRow row_of(const WorkerIndex::Entry& e, uint64_t now_ns) const;

  ProcProcess master_;
  std::string master_name_;
  WorkerIndex index_;
  bool per_worker_series_ = false;
};

}  // namespace wpm::bench
