// What a class run observed, as typed events, and the one place that turns it into the
// report's ClassResult: client figures, server timeline, injections, workers, restarts, the
// reconciliation and the class's verdict (the exit-3 decision, verdict.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/schedule.h"
#include "bench/pool_metrics.h"
#include "core/bench_result.h"
#include "core/reconcile.h"
#include "loadgen/load_result.h"

namespace wpm::bench {

struct RunRecord {
  std::string label;       // "sync", … or "target"
  std::string target_url;  // where the load went
  loadgen::LoadResult load;
  double max_error_ratio = 0.01;  // the verdict's limit (BenchOptions::max_error_ratio)
  // The server side, when a pool is under test.
  bool has_pool = false;
  std::string metrics_url;
  bool aborts_scheduled = false;       // the loss rule of reconcile() applies
  std::optional<PoolMetrics> before;   // at the measured start, nothing in flight
  std::optional<PoolMetrics> after;    // once the server's count caught up after the load
  std::vector<ScrapeSample> scrapes;   // during the run, the final one included
  std::vector<InjectionRecord> injections;  // in schedule order
  std::vector<WorkerRow> started;      // live workers at the measured start (state file)
  std::vector<WorkerRow> discovered;   // live workers at the end (state file): index and pid
  // The measured start on the schedule's clock (CLOCK_MONOTONIC seconds in a real run): turns
  // the master's WorkerTimes into seconds since the measured start.
  std::optional<double> origin_s;
  // Wall-clock (unix seconds) of the measured start and of the before/after scrapes.
  double measured_start_unix_s = 0, before_unix_s = 0, after_unix_s = 0;
  std::optional<double> start_at_unix_s;  // --start-at: the requested measured start
};

ClassResult assemble(const RunRecord& record);

// Whether the schedule kills workers mid-request (abort, kill, int).
bool schedule_aborts(const std::vector<InjectSpec>& injects);
// kExitThreshold for a class whose verdict failed (verdict.h), unless the run was interrupted.
int class_exit_code(const ClassResult& result, bool interrupted);

}  // namespace wpm::bench
