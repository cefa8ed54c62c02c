// Pool: readiness, first requests, replacement timing (DESIGN.md §9: death → spawn → ready →
// first request) and the next deadline the master loop sleeps until.
#include <algorithm>
#include <cstdint>

#include "core/clock.h"
#include "core/log.h"
#include "core/slot_ops.h"
#include "core/format.h"
#include "supervisor/pool.h"

namespace wpm::supervisor {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;
// Looks for a ready worker's first request after 2, 4, 8 … ms, then leaves it to the ~1 s
// state refresh: the time is exact either way (the worker records it), only its publication
// in the state file waits for a look.
constexpr uint64_t kFirstRequestStepNs = 2'000'000;
constexpr uint64_t kFirstRequestLastStepNs = 1'000'000'000;

}  // namespace

void Pool::notice_states(uint64_t now_ns) {
  for (Worker& w : workers_)
    if (WorkerState state = state_of(w); state != w.seen_state) on_state_change(w, state, now_ns);
  start_successors(now_ns);
}

void Pool::on_state_change(Worker& w, WorkerState state, uint64_t now_ns) {
  if (state == WorkerState::running && w.seen_state == WorkerState::booting)
    on_ready(w, now_ns);
  else
    log_debug("worker ", w.index, " (pid ", w.pid, ") is ", to_string(state));
  w.seen_state = state;
  changed_ = true;
}

void Pool::on_ready(Worker& w, uint64_t now_ns) {
  WorkerSlot& slot = segment_.slot(w.slot);
  {
    std::lock_guard lock(segment_mutex_);
    slot.life.ready_ns.store(now_ns, relaxed);
    sampler_.sample_slot(slot, w.slot, now_ns);  // no young worker shows 0 RSS and CPU
  }
  log_info("worker ", w.index, " (pid ", w.pid, ") is running (booted in ",
           format_nanoseconds(now_ns - w.spawn_ns), ")");
  if (w.replaced_death_ns != 0)
    observe_replacement(ReplacementPhase::ready, w.replaced_death_ns, now_ns);
  w.first_request_step_ns = kFirstRequestStepNs;
  w.first_request_check_ns = now_ns + kFirstRequestStepNs;
}

void Pool::check_first_request(Worker& w, uint64_t now_ns) {
  if (w.served) return;
  uint64_t first = segment_.slot(w.slot).hot.first_request_ns.load(relaxed);
  if (first == 0) {
    if (w.first_request_check_ns == 0 || now_ns < w.first_request_check_ns) return;
    w.first_request_step_ns *= 2;
    w.first_request_check_ns =
        w.first_request_step_ns > kFirstRequestLastStepNs ? 0 : now_ns + w.first_request_step_ns;
    return;
  }
  w.served = true;
  w.first_request_check_ns = 0;
  changed_ = true;
  if (w.replaced_death_ns != 0)
    observe_replacement(ReplacementPhase::first_request, w.replaced_death_ns, first);
}

// Only the loop thread writes the master's cells; scrapes read them with relaxed loads.
void Pool::observe_replacement(ReplacementPhase phase, uint64_t death_ns, uint64_t at_ns) {
  uint64_t ns = at_ns > death_ns ? at_ns - death_ns : 0;
  observe<Writers::single>(segment_.master().replacement[static_cast<size_t>(phase)],
                           kReplacementBuckets, ns_to_seconds(ns), ns);
}

uint64_t Pool::liveness_deadline(const Worker& w) const {
  const LivenessPolicy& p = config_.liveness;
  WorkerState state = state_of(w);
  // check_liveness() fires strictly after the timeout: one nanosecond past it.
  if (state == WorkerState::booting)
    return p.boot_timeout_ns == 0 ? 0 : saturating_add(w.spawn_ns + 1, p.boot_timeout_ns);
  if (state == WorkerState::exited || p.timeout_ns == 0) return 0;
  return saturating_add(segment_.slot(w.slot).hot.heartbeat_ns.load(relaxed) + 1, p.timeout_ns);
}

uint64_t Pool::next_deadline() const {
  uint64_t next = 0;
  auto consider = [&next](uint64_t t) {
    if (t != 0 && (next == 0 || t < next)) next = t;
  };
  for (const Worker& w : workers_) {
    if (w.kill_at_ns != 0 && !w.killed) consider(w.kill_at_ns);
    if (!w.master_reason) consider(liveness_deadline(w));
    consider(w.first_request_check_ns);
  }
  if (!stopping_ && !fatal_) {
    for (uint32_t i = 0; i < indices_.size(); ++i) {
      bool served = std::any_of(workers_.begin(), workers_.end(),
                                [i](const Worker& w) { return w.current && w.index == i; });
      if (indices_[i].active && !served)
        consider(std::max<uint64_t>(indices_[i].next_spawn_ns, 1));
    }
  }
  for (const ExitedSlot& e : exited_)
    consider(std::max<uint64_t>(saturating_add(e.exit_ns, config_.retention.retain_ns), 1));
  return next;
}

bool Pool::announce(pid_t pid, int signal) {
  for (Worker& w : workers_) {
    if (w.pid != pid) continue;
    w.announced_signal = signal;
    return true;
  }
  return false;
}

}  // namespace wpm::supervisor
