#include "supervisor/control.h"

#include <dirent.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <thread>

#include "core/clock.h"
#include "supervisor/planned_exit.h"

namespace wpm::supervisor {
namespace {

bool alive(int32_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

std::vector<WorkerRow> live_workers(const PoolState& s) {
  std::vector<WorkerRow> out;
  for (const WorkerRow& w : s.workers)
    if (w.state != WorkerState::exited) out.push_back(w);
  return out;
}

bool all_running(const std::vector<WorkerRow>& workers) {
  return std::all_of(workers.begin(), workers.end(),
                     [](const WorkerRow& w) { return w.state == WorkerState::running; });
}

double now_s() { return ns_to_seconds(monotonic_ns()); }

Result<PoolState> find_pool_by_pid(int32_t pid) {
  Result<std::string> probe = runtime_dir("wpm", false);
  if (!probe) return probe.error();
  std::string root = probe->substr(0, probe->rfind('/'));
  DIR* dir = opendir(root.c_str());
  if (dir != nullptr) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      Result<PoolState> s = read_state_file(e->d_name);
      if (s && s->master_pid == pid) {
        closedir(dir);
        return s;
      }
    }
    closedir(dir);
  }
  return Error{"no running wpm pool with master pid " + std::to_string(pid) + " (searched " +
               root + ")"};
}

Result<WorkerRow> resolve_worker(const PoolState& s, const std::string& spec) {
  std::vector<WorkerRow> live = live_workers(s);
  bool numeric = !spec.empty() && std::all_of(spec.begin(), spec.end(), ::isdigit);
  for (const WorkerRow& w : live)
    if (w.worker_id == spec) return w;
  if (numeric) {
    uint64_t n = std::stoull(spec);
    for (const WorkerRow& w : live)
      if (w.index == n) return w;
    for (const WorkerRow& w : live)
      if (static_cast<uint64_t>(w.pid) == n) return w;
  }
  return Error{"pool '" + s.name + "' has no live worker '" + spec +
               "' (give an index, a worker_id or a pid; see `wpm status`)"};
}

}  // namespace

EffectWatch EffectWatch::worker_replaced(const WorkerRow& old) {
  EffectWatch w;
  w.old_worker_ = old;
  return w;
}

EffectWatch EffectWatch::master_signal(ControlSignal signal, const PoolState& before) {
  EffectWatch w;
  w.signal_ = signal;
  w.master_pid_ = before.master_pid;
  for (const WorkerRow& row : live_workers(before)) w.pids_before_.push_back(row.pid);
  w.live_before_ = w.pids_before_.size();
  return w;
}

std::optional<Effect> EffectWatch::check(const PoolState* state, double now) {
  if (old_worker_) {
    if (state == nullptr) return Effect{"the pool stopped", {}, {}, {}};
    return check_worker(*state, now);
  }
  return check_master(state);
}

std::optional<Effect> EffectWatch::check_worker(const PoolState& state, double now) {
  const WorkerRow& old = *old_worker_;
  std::vector<WorkerRow> live = live_workers(state);
  for (const WorkerRow& w : live)
    if (w.pid == old.pid) return std::nullopt;  // still there
  if (!seen_.worker_gone_s) seen_.worker_gone_s = now;
  for (const WorkerRow& w : live) {
    if (w.index != old.index) continue;
    if (!seen_.replacement_spawned_s) seen_.replacement_spawned_s = now;
    if (w.state != WorkerState::running) continue;
    seen_.replacement_ready_s = now;
    seen_.text = "worker " + std::to_string(old.index) + " replaced by pid " +
                 std::to_string(w.pid) + " (" + w.worker_id + ")";
    return seen_;
  }
  return std::nullopt;
}

std::optional<Effect> EffectWatch::check_master(const PoolState* s) const {
  auto effect = [](std::string text) { return Effect{std::move(text), {}, {}, {}}; };
  switch (signal_) {
    case ControlSignal::term: case ControlSignal::int_: case ControlSignal::quit:
    case ControlSignal::kill: case ControlSignal::abort:
      if (!alive(master_pid_)) return effect("master pid " + std::to_string(master_pid_) + " exited");
      return std::nullopt;
    case ControlSignal::usr1: return effect("delivered");
    default: break;
  }
  if (s == nullptr) return effect("the pool stopped");
  std::vector<WorkerRow> live = live_workers(*s);
  if (!all_running(live)) return std::nullopt;
  if (signal_ == ControlSignal::hup) {
    if (live.size() != live_before_) return std::nullopt;
    for (const WorkerRow& w : live)
      if (std::find(pids_before_.begin(), pids_before_.end(), w.pid) != pids_before_.end())
        return std::nullopt;
    return effect("all " + std::to_string(live_before_) + " workers replaced");
  }
  size_t want = signal_ == ControlSignal::ttin ? live_before_ + 1
                                               : (live_before_ > 1 ? live_before_ - 1 : live_before_);
  if (live.size() != want) return std::nullopt;
  return effect("pool has " + std::to_string(want) + " workers");
}

Result<PoolState> find_pool(const PoolRef& ref) {
  if (ref.master_pid > 0) return find_pool_by_pid(ref.master_pid);
  return read_state_file(ref.name);
}

Result<ControlSignal> parse_signal(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), ::tolower);
  if (text.rfind("sig", 0) == 0) text = text.substr(3);
  if (text == "abrt") text = "abort";
  if (auto s = parse_name<ControlSignal>(text, kControlSignalNames)) return *s;
  return Error{"unknown signal '" + text + "' (quit, abort, term, int, kill, hup, ttin, ttou, usr1)",
               kExitUsage};
}

Result<Delivery> deliver_signal(const PoolRef& ref, ControlSignal signal,
                                const std::optional<std::string>& worker) {
  Result<PoolState> pool = find_pool(ref);
  if (!pool) return pool.error();
  Delivery d{0, "", 0, EffectWatch::master_signal(signal, *pool)};
  if (worker) {
    Result<WorkerRow> w = resolve_worker(*pool, *worker);
    if (!w) return w.error();
    d.pid = w->pid;
    d.target = "worker " + std::to_string(w->index) + " (" + w->worker_id + ", pid " +
               std::to_string(w->pid) + ")";
    d.watch = EffectWatch::worker_replaced(*w);
  } else {
    d.pid = pool->master_pid;
    d.target = "master (pid " + std::to_string(pool->master_pid) + ")";
  }
  d.sent_s = now_s();
  // A worker's exit that wpm asked for is planned (no crash-loop backoff): announce it first.
  if (worker) {
    if (Status s = send_planned_signal(pool->name, {d.pid, signal_number(signal)}); !s)
      return s.error();
  } else if (kill(d.pid, signal_number(signal)) != 0) {
    return errno_error("kill(" + std::to_string(d.pid) + ", " + std::string(to_string(signal)) + ")");
  }
  return d;
}

Result<Effect> wait_for_effect(const PoolRef& ref, EffectWatch& watch, double timeout_s) {
  uint64_t deadline = monotonic_ns() + static_cast<uint64_t>(timeout_s * 1e9);
  while (monotonic_ns() < deadline) {
    Result<PoolState> s = find_pool(ref);
    if (auto effect = watch.check(s ? &*s : nullptr, now_s())) return *effect;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error{"timed out after " + std::to_string(timeout_s) + " s waiting for the signal's effect"};
}

Result<SignalOutcome> send_signal(const SignalRequest& req) {
  Result<Delivery> d = deliver_signal(req.pool, req.signal, req.worker);
  if (!d) return d.error();
  SignalOutcome out{d->pid, d->target, "", 0};
  if (!req.wait) return out;
  Result<Effect> effect = wait_for_effect(req.pool, d->watch, req.wait_timeout_s);
  if (!effect) return effect.error();
  out.effect = effect->text;
  out.waited_s = now_s() - d->sent_s;
  return out;
}

}  // namespace wpm::supervisor
