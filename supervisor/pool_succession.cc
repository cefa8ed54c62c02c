// Pool: successors started ahead of a max_requests exit (workers/successor.h). A worker near
// its limit sets `successor_wanted` in its slot and wakes the master; the master starts the
// index's next worker at once and retires the asking one (QUIT, reason max_requests) when the
// successor runs — unless it reached max_requests and left first. Either way its exit needs no
// respawn, and the pool is never a worker short while one recycles.
#include <csignal>
#include <utility>
#include <vector>

#include "core/log.h"
#include "supervisor/pool.h"

namespace wpm::supervisor {

void Pool::start_successors(uint64_t now_ns) {
  if (stopping_ || fatal_) return;
  std::vector<std::pair<uint32_t, pid_t>> asking;  // spawn() grows workers_: not while iterating
  for (Worker& w : workers_) {
    if (!w.current || w.succeeded) continue;
    if (segment_.slot(w.slot).hot.successor_wanted.load(std::memory_order_acquire) !=
        kSuccessorWanted)
      continue;
    w.current = false;
    w.succession_pending = true;
    w.succeeded = true;
    asking.emplace_back(w.index, w.pid);
    log_debug("worker ", w.index, " (pid ", w.pid, ") nears max_requests: starting its successor");
  }
  for (auto [index, pid] : asking) {
    if (Status s = spawn(index, now_ns); !s) {
      log_error(s.error().message, "; retrying");  // spawn_due() retries, with the backoff
      continue;
    }
    workers_.back().predecessor_pid = pid;
  }
}

void Pool::hand_over_successions(uint64_t now_ns) {
  for (Worker& w : workers_) {
    if (!w.succession_pending || !may_hand_over(w)) continue;
    // Read by the worker's QUIT handler: it leaves for max_requests, not a user's quit.
    segment_.slot(w.slot).hot.successor_wanted.store(kSuccessorRunning, std::memory_order_release);
    retire(w, ExitReason::max_requests, SIGQUIT, config_.graceful_ns, now_ns);
  }
}

// The successor replaced a worker that just died: its milestones count from that death like
// any replacement's, and those it reached before (spawn, usually ready) count as 0 s.
void Pool::time_succession(const Worker& predecessor, uint64_t death_ns) {
  // Its successor, current or not: under a fast load the successor may itself have asked for
  // a successor before this worker left.
  Worker* s = nullptr;
  for (Worker& w : workers_)
    if (w.predecessor_pid == predecessor.pid) s = &w;
  if (s == nullptr || s->replaced_death_ns != 0) return;
  s->replaced_death_ns = death_ns;
  WorkerSlot& slot = segment_.slot(s->slot);
  {
    std::lock_guard lock(segment_mutex_);
    slot.life.replaced_pid.store(predecessor.pid, std::memory_order_relaxed);
    slot.life.replaced_death_ns.store(death_ns, std::memory_order_relaxed);
  }
  observe_replacement(ReplacementPhase::spawn, death_ns, s->spawn_ns);
  if (s->seen_state != WorkerState::booting)
    observe_replacement(ReplacementPhase::ready, death_ns,
                        slot.life.ready_ns.load(std::memory_order_relaxed));
  if (s->served)
    observe_replacement(ReplacementPhase::first_request, death_ns,
                        slot.hot.first_request_ns.load(std::memory_order_relaxed));
}

}  // namespace wpm::supervisor
