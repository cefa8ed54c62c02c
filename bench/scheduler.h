// The one clock of a class run: every timed action of the measured phase (scrapes at the
// interval, injections at their times, the checks for an injection's effect) is a Job run by
// one Scheduler, on one thread, in time order.
#pragma once

#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <optional>

#include "bench/clock.h"

namespace wpm::bench {

class Job {
 public:
  virtual ~Job() = default;
  // Runs at (or just after) its due time; `now_s` counts from the schedule's origin. Returns
  // when it wants to run next, in the same time base, or nothing when it is done.
  virtual std::optional<double> step(double now_s) = 0;
  // True while it waits for something it started (a signal's effect): such a job still runs
  // to its end after stop(), so no injection is left half observed.
  virtual bool in_progress() const { return false; }
};

class Scheduler {
 public:
  explicit Scheduler(Clock& clock) : clock_(clock) {}
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Before run(): `job` (which must outlive run()) first runs `due_s` after the origin. Jobs
  // due at the same time run in the order they were added.
  void add(Job& job, double due_s);
  // Runs the jobs on the calling thread from `origin_s` (a time of the clock) until stop() or
  // `until_s` after the origin, then only the jobs in progress, to their end.
  void run(double origin_s, double until_s = std::numeric_limits<double>::infinity());
  // Any thread: jobs not in progress are dropped and never run again.
  void stop();

 private:
  void drop_idle_jobs();

  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::multimap<double, Job*> queue_;  // by due time; equal times keep insertion order
};

}  // namespace wpm::bench
