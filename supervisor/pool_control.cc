// Pool: retirement (reload, scale down, stop), liveness and kill deadlines, health.
#include <cerrno>
#include <csignal>
#include <cstring>

#include "core/clock.h"
#include "core/format.h"
#include "core/log.h"
#include "supervisor/pool.h"

namespace wpm::supervisor {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

std::string label(uint32_t index, pid_t pid) {
  return "worker " + std::to_string(index) + " (pid " + std::to_string(pid) + ")";
}

}  // namespace

void Pool::tick(uint64_t now_ns) {
  for (Worker& w : workers_) {
    check_worker(w, now_ns);
    check_first_request(w, now_ns);
  }
  if (!stopping_ && !fatal_) {
    hand_over_reloads(now_ns);
    hand_over_successions(now_ns);
    spawn_due(now_ns);
  }
  recycle(now_ns, 0);
}

void Pool::check_worker(Worker& w, uint64_t now_ns) {
  WorkerState state = state_of(w);
  if (state != w.seen_state) on_state_change(w, state, now_ns);
  if (w.kill_at_ns != 0 && now_ns >= w.kill_at_ns && !w.killed) {
    log_warning(label(w.index, w.pid), " still alive after its grace period: SIGKILL");
    // A graceful retirement that had to be forced is a kill; a timeout stays a timeout.
    if (w.master_reason && *w.master_reason != ExitReason::timeout)
      w.master_reason = ExitReason::kill;
    send(w, SIGKILL);
    w.killed = true;
    return;
  }
  if (w.master_reason) return;  // being retired or stopped: the deadline above governs
  const SlotHot& hot = segment_.slot(w.slot).hot;
  LivenessView view{state, w.spawn_ns, hot.heartbeat_ns.load(relaxed)};
  switch (check_liveness(view, now_ns, config_.liveness)) {
    case Liveness::ok:
      break;
    case Liveness::boot_timeout:
      log_warning(label(w.index, w.pid), " did not reach running within the boot timeout (",
                  format_nanoseconds(config_.liveness.boot_timeout_ns), "): SIGKILL");
      w.master_reason = ExitReason::timeout;
      send(w, SIGKILL);
      w.killed = true;
      break;
    case Liveness::heartbeat_timeout:
      log_warning(label(w.index, w.pid), " missed its heartbeat for ",
                  format_nanoseconds(now_ns - view.heartbeat_ns), " (timeout ",
                  format_nanoseconds(config_.liveness.timeout_ns), "): SIGABRT");
      w.master_reason = ExitReason::timeout;
      send(w, SIGABRT);
      w.kill_at_ns = saturating_add(now_ns, config_.abort_grace_ns);
      break;
  }
}

bool Pool::index_gone(const Worker& w) const {
  return w.index >= indices_.size() || !indices_[w.index].active;
}

bool Pool::may_hand_over(const Worker& w) {
  if (index_gone(w)) return true;
  Worker* successor = current_at(w.index);
  return successor != nullptr && state_of(*successor) == WorkerState::running;
}

void Pool::hand_over_reloads(uint64_t now_ns) {
  for (Worker& w : workers_) {
    if (!w.reload_pending || !may_hand_over(w)) continue;
    log_info("reload: retiring ", label(w.index, w.pid),
             index_gone(w) ? " (index removed)" : ", its successor is running");
    retire(w, ExitReason::reload, SIGTERM, config_.graceful_ns, now_ns);
  }
}

void Pool::retire(Worker& w, ExitReason reason, int sig, uint64_t grace_ns, uint64_t now_ns) {
  w.current = false;
  w.reload_pending = false;
  w.succession_pending = false;
  if (!w.master_reason) w.master_reason = reason;
  send(w, sig);
  uint64_t deadline = saturating_add(now_ns, grace_ns);
  if (w.kill_at_ns == 0 || deadline < w.kill_at_ns) w.kill_at_ns = deadline;
  changed_ = true;
}

void Pool::send(Worker& w, int sig) {
  // The pid cannot have been reused: the master reaps its children itself, and a worker stays
  // in workers_ until reaped.
  if (::kill(w.pid, sig) != 0 && errno != ESRCH)
    log_warning("cannot signal ", label(w.index, w.pid), ": ", std::strerror(errno));
}

void Pool::grow(uint64_t now_ns) {
  if (stopping_) return;
  if (workers_.size() + 1 > segment_.capacity()) {
    log_warning("TTIN ignored: ", workers_.size(), " live workers fill the ",
                segment_.capacity(), " metrics slots");
    return;
  }
  uint32_t index = 0;
  while (index < indices_.size() && indices_[index].active) ++index;
  if (index == indices_.size()) indices_.emplace_back();
  indices_[index] = IndexState{true, {}, now_ns};
  log_info("TTIN: workers ", target() - 1, " -> ", target(), " (new index ", index, ")");
  changed_ = true;
}

void Pool::shrink(uint64_t now_ns) {
  if (stopping_) return;
  if (target() <= 1) {
    log_warning("TTOU ignored: the pool keeps at least one worker");
    return;
  }
  Worker* oldest = nullptr;
  for (Worker& w : workers_)
    if (w.current && (oldest == nullptr || w.age < oldest->age)) oldest = &w;
  uint32_t index = 0;
  if (oldest != nullptr) {
    index = oldest->index;
  } else {  // every index is waiting for a respawn: drop the highest one
    for (uint32_t i = 0; i < indices_.size(); ++i)
      if (indices_[i].active) index = i;
  }
  indices_[index].active = false;
  log_info("TTOU: workers ", target() + 1, " -> ", target(), " (retiring index ", index,
           oldest ? ", pid " + std::to_string(oldest->pid) : std::string(), ")");
  if (oldest != nullptr)
    retire(*oldest, ExitReason::scale_down, SIGTERM, config_.graceful_ns, now_ns);
  changed_ = true;
}

void Pool::reload(uint64_t now_ns) {
  if (stopping_) return;
  // Fresh workers come from a fresh fork server: the binary and the profile are read again.
  fork_server_.stop();
  size_t replaced = 0;
  for (Worker& w : workers_) {
    if (!w.current) continue;
    w.current = false;
    w.reload_pending = true;
    ++replaced;
  }
  for (IndexState& s : indices_)
    if (s.active) s.next_spawn_ns = now_ns;
  log_info("HUP: reloading, ", target(), " fresh workers replace ", replaced, " running ones");
  changed_ = true;
}

void Pool::stop(ExitReason reason, int sig, uint64_t grace_ns, uint64_t now_ns) {
  stopping_ = true;
  fork_server_.stop();
  for (Worker& w : workers_) retire(w, reason, sig, grace_ns, now_ns);
}

void Pool::forward(int sig) {
  for (Worker& w : workers_) send(w, sig);
}

uint32_t Pool::target() const {
  uint32_t n = 0;
  for (const IndexState& s : indices_) n += s.active ? 1 : 0;
  return n;
}

bool Pool::healthy() const {
  if (stopping_ || fatal_ || target() == 0) return false;
  // Every active index must be served by a running worker: its current one or, during a
  // reload or a max_requests succession, the predecessor that serves until the successor runs.
  for (uint32_t i = 0; i < indices_.size(); ++i) {
    if (!indices_[i].active) continue;
    bool served = false;
    for (const Worker& w : workers_)
      if (w.index == i && (w.current || w.reload_pending || w.succession_pending) &&
          state_of(w) == WorkerState::running)
        served = true;
    if (!served) return false;
  }
  return true;
}

}  // namespace wpm::supervisor
