#include "core/snapshot.h"

#include "core/clock.h"

namespace wpm {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

template <size_t N>
HistogramSnapshot snapshot_histogram(const HistogramCells<N>& h, double sum_scale) {
  HistogramSnapshot s;
  s.cumulative.resize(N + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= N; ++i) {
    running += h.buckets[i].load(relaxed);
    s.cumulative[i] = running;
  }
  s.sum = static_cast<double>(h.sum.load(relaxed)) * sum_scale;
  return s;
}

bool slot_in_use(const WorkerSlot& slot) {
  return slot.life.status.load(std::memory_order_acquire) !=
         static_cast<uint32_t>(SlotStatus::free);
}

bool archive_empty(const WorkerSnapshot& w) {
  if (w.requests != 0 || w.cpu_seconds != 0 || !w.label_sets.empty() || !w.routes.empty())
    return false;
  for (uint64_t r : w.restarts)
    if (r != 0) return false;
  return true;
}

}  // namespace

uint64_t PoolSnapshot::total_requests() const {
  uint64_t total = 0;
  for (const WorkerSnapshot& w : workers) total += w.requests;
  return total;
}

std::string worker_id(uint64_t age, int64_t start_unix) {
  return "worker_" + std::to_string(age) + "_" + std::to_string(start_unix);
}

WorkerSnapshot snapshot_slot(const WorkerSlot& slot, uint64_t now_ns) {
  WorkerSnapshot w;
  const SlotLifecycle& life = slot.life;
  const SlotHot& hot = slot.hot;
  w.exited = life.status.load(std::memory_order_acquire) == static_cast<uint32_t>(SlotStatus::exited);
  w.index = life.index.load(relaxed);
  w.age = life.age.load(relaxed);
  w.pid = life.pid.load(relaxed);
  w.worker_id = worker_id(w.age, life.start_unix.load(relaxed));
  w.state = static_cast<WorkerState>(hot.state.load(relaxed));
  w.state_since_unix = static_cast<double>(hot.state_since_unix_ms.load(relaxed)) / 1000.0;
  w.requests = hot.requests.load(relaxed);
  w.in_flight = hot.in_flight.load(relaxed);
  uint64_t end_ns = w.exited ? life.exit_ns.load(relaxed) : now_ns;
  uint64_t beat = hot.heartbeat_ns.load(relaxed);
  w.heartbeat_age_seconds = (!w.exited && end_ns > beat) ? ns_to_seconds(end_ns - beat) : 0;
  uint64_t spawn = life.spawn_ns.load(relaxed);
  w.uptime_seconds = end_ns > spawn ? ns_to_seconds(end_ns - spawn) : 0;
  w.rss_bytes = life.rss_bytes.load(relaxed);
  w.cpu_percent = static_cast<double>(life.cpu_permille.load(relaxed)) / 1000.0;
  w.cpu_seconds = ns_to_seconds(life.cpu_ns.load(relaxed));
  w.duration = snapshot_histogram(hot.duration, 1e-9);
  w.request_size = snapshot_histogram(hot.request_size, 1.0);
  w.response_size = snapshot_histogram(hot.response_size, 1.0);
  for (size_t r = 0; r < kExitReasonCount; ++r) w.restarts[r] = hot.restarts[r].load(relaxed);
  w.times = WorkerTimes{spawn, life.ready_ns.load(relaxed), hot.first_request_ns.load(relaxed),
                        life.replaced_pid.load(relaxed), life.replaced_death_ns.load(relaxed)};
  if (w.exited) {
    w.exit_reason = static_cast<ExitReason>(life.exit_reason.load(relaxed));
    w.state = WorkerState::exited;
  }
  for (const LabelSetCells& e : slot.label_sets) {
    if (e.status.load(std::memory_order_acquire) != static_cast<uint32_t>(LabelSetStatus::ready))
      continue;
    w.label_sets.push_back(
        {e.method, e.endpoint, e.error_type, e.failed.load(relaxed), e.errors.load(relaxed)});
  }
  for (const RouteCells& e : slot.routes) {
    if (e.status.load(std::memory_order_acquire) != static_cast<uint32_t>(LabelSetStatus::ready))
      continue;
    w.routes.push_back({e.method, e.endpoint, e.requests.load(relaxed)});
  }
  return w;
}

WorkerRow row_of(const WorkerSnapshot& w) {
  return {w.index,       w.worker_id,   w.pid,         w.state,          w.requests,
          w.rss_bytes,   w.cpu_percent, w.cpu_seconds, w.uptime_seconds, w.times};
}

PoolSnapshot take_snapshot(const Segment& segment) {
  PoolSnapshot pool;
  uint64_t now = monotonic_ns();
  const MasterCells& m = segment.master();
  for (size_t r = 0; r < kExitReasonCount; ++r) {
    pool.master_restarts[r] = m.worker_restarts[r].load(relaxed);
    pool.archived_exits[r] = m.archived_exits[r].load(relaxed);
  }
  for (size_t s = 0; s < kControlSignalCount; ++s) pool.master_signals[s] = m.signals[s].load(relaxed);
  pool.listen_backlog = m.listen_backlog.load(relaxed);
  for (size_t p = 0; p < kReplacementPhaseCount; ++p)
    pool.replacement[p] = snapshot_histogram(m.replacement[p], 1e-9);

  WorkerSnapshot retired = snapshot_slot(segment.archive(), now);
  retired.retired = true;
  retired.worker_id = std::string(kRetiredWorkerId);
  if (!archive_empty(retired)) pool.workers.push_back(std::move(retired));

  for (uint32_t i = 0; i < segment.capacity(); ++i) {
    const WorkerSlot& slot = segment.slot(i);
    if (!slot_in_use(slot)) continue;
    WorkerSnapshot w = snapshot_slot(slot, now);
    pool.workers_by_state[static_cast<size_t>(w.exited ? WorkerState::exited : w.state)]++;
    pool.workers.push_back(std::move(w));
  }
  return pool;
}

}  // namespace wpm
