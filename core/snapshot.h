// Plain-struct snapshots of the metrics segment. Renderers and reports read these, never the
// live atomics (prometheus-cpp style), so a scrape is one consistent-enough pass over memory.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/names.h"
#include "core/segment.h"
#include "core/worker_times.h"
#include "core/worker_row.h"

namespace wpm {

inline constexpr std::string_view kRetiredWorkerId = "__retired__";

struct HistogramSnapshot {
  std::vector<uint64_t> cumulative;  // one per bound, then +Inf (= count)
  double sum = 0;
  uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
};

struct LabelSetSnapshot {
  std::string method, endpoint, error_type;
  uint64_t failed = 0;
  uint64_t errors = 0;
};

struct RouteSnapshot {
  std::string method, endpoint;
  uint64_t requests = 0;
};

struct WorkerSnapshot {
  std::string worker_id;
  bool retired = false;  // the archive of recycled slots; counters only
  bool exited = false;
  uint32_t index = 0;
  uint64_t age = 0;
  int32_t pid = 0;
  WorkerState state = WorkerState::booting;
  double state_since_unix = 0;
  uint64_t requests = 0;
  int64_t in_flight = 0;
  double heartbeat_age_seconds = 0;
  double uptime_seconds = 0;
  uint64_t rss_bytes = 0;
  double cpu_percent = 0;
  double cpu_seconds = 0;
  HistogramSnapshot duration, request_size, response_size;
  std::vector<LabelSetSnapshot> label_sets;
  std::vector<RouteSnapshot> routes;  // requests by (method, route template)
  std::array<uint64_t, kExitReasonCount> restarts{};  // handled by the worker
  std::optional<ExitReason> exit_reason;              // seen by the master
  WorkerTimes times;
};

struct PoolSnapshot {
  std::vector<WorkerSnapshot> workers;  // retired archive first (if it holds anything)
  std::array<uint64_t, kExitReasonCount> master_restarts{};
  std::array<uint64_t, kExitReasonCount> archived_exits{};
  std::array<uint64_t, kControlSignalCount> master_signals{};
  std::array<uint64_t, kWorkerStateCount> workers_by_state{};
  int64_t listen_backlog = 0;
  std::array<HistogramSnapshot, kReplacementPhaseCount> replacement;  // by ReplacementPhase

  uint64_t total_requests() const;
};

std::string worker_id(uint64_t age, int64_t start_unix);
PoolSnapshot take_snapshot(const Segment& segment);
WorkerSnapshot snapshot_slot(const WorkerSlot& slot, uint64_t now_ns);
// The table row of a snapshot (what `wpm status` shows of it).
WorkerRow row_of(const WorkerSnapshot& w);

}  // namespace wpm
