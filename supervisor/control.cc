#include "supervisor/control.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <thread>

#include "core/clock.h"
#include "core/process_identity.h"
#include "supervisor/planned_exit.h"

namespace wpm::supervisor {
namespace {

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

// The pool whose state file names master `pid`, alive or not.
Result<PoolLookup> lookup_by_pid(int32_t pid) {
  Result<std::string> probe = runtime_dir("wpm", false);
  if (!probe) return probe.error();
  std::string root = probe->substr(0, probe->rfind('/'));
  DIR* dir = opendir(root.c_str());
  if (dir != nullptr) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      Result<PoolLookup> l = lookup_pool(e->d_name);
      if (l && l->state.master_pid == pid) {
        closedir(dir);
        return l;
      }
    }
    closedir(dir);
  }
  return Error{"no running wpm pool with master pid " + std::to_string(pid) + " (searched " +
               root + ")"};
}

Result<PoolLookup> lookup(const PoolRef& ref) {
  return ref.master_pid > 0 ? lookup_by_pid(ref.master_pid) : lookup_pool(ref.name);
}

// Removes a dead master's files under the pool's lock, so that no master can start meanwhile
// (one that tries waits for the lock, supervisor/instance.cc).
Status remove_stale_files(const std::string& name) {
  Result<std::string> dir = runtime_dir(name, false);
  if (!dir) return dir.error();
  std::string lock_path = master_lock_path(*dir);
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!lock.valid()) return errno_error("open " + lock_path);
  struct stat by_fd{}, by_path{};
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0 || ::fstat(lock.get(), &by_fd) != 0 ||
      ::lstat(lock_path.c_str(), &by_path) != 0 || by_fd.st_ino != by_path.st_ino)
    return Error{"pool '" + name + "' was started again meanwhile; its files are kept"};
  ::unlink(state_file_path(*dir).c_str());
  ::unlink(control_socket_path(*dir).c_str());
  ::unlink(lock_path.c_str());
  ::rmdir(dir->c_str());  // fails harmlessly if anything else lives there
  return {};
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

EffectWatch EffectWatch::signal_taken(int32_t pid, uint64_t start_time, int signo) {
  EffectWatch w;
  w.taken_ = TakenSignal{pid, start_time, signo};
  return w;
}

EffectWatch EffectWatch::master_signal(ControlSignal signal, const PoolState& before) {
  EffectWatch w;
  w.signal_ = signal;
  w.master_pid_ = before.master_pid;
  w.master_start_time_ = before.master_start_time;
  for (const WorkerRow& row : live_workers(before)) w.pids_before_.push_back(row.pid);
  w.live_before_ = w.pids_before_.size();
  return w;
}

std::optional<Effect> EffectWatch::check(const PoolState* state, double now) {
  if (taken_) return check_taken();
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

// A signal is pending from kill() until the target dequeues it (its handler runs, or it reads
// it from a signalfd or sigwait): no longer pending while the process lives means taken.
std::optional<Effect> EffectWatch::check_taken() const {
  const TakenSignal& t = *taken_;
  std::string pid = "pid " + std::to_string(t.pid);
  auto effect = [](std::string text) { return Effect{std::move(text), {}, {}, {}}; };
  std::optional<SignalMasks> masks = read_signal_masks(t.pid);
  if (!masks || !same_process(t.pid, t.start_time)) return effect(pid + " exited");
  uint64_t bit = uint64_t{1} << (t.signo - 1);
  if (masks->ignored & bit) return effect("ignored by " + pid);
  if (masks->pending & bit) return std::nullopt;
  return effect("taken by " + pid);
}

std::optional<Effect> EffectWatch::check_master(const PoolState* s) const {
  auto effect = [](std::string text) { return Effect{std::move(text), {}, {}, {}}; };
  switch (signal_) {
    case ControlSignal::term: case ControlSignal::int_: case ControlSignal::quit:
    case ControlSignal::kill: case ControlSignal::abort:
      if (!same_process(master_pid_, master_start_time_))
        return effect("master pid " + std::to_string(master_pid_) + " exited");
      return std::nullopt;
    // Nothing in the pool's state shows a USR1: deliver_signal() watches it with
    // signal_taken() instead; a watch built here can only say it was sent.
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
  Result<PoolLookup> l = lookup(ref);
  if (!l) return l.error();
  if (l->master != MasterStatus::alive) return Error{not_alive_message(*l)};
  return std::move(l->state);
}

Result<PoolState> pool_status(const PoolRef& ref) {
  Result<PoolLookup> l = lookup(ref);
  if (!l) return l.error();
  if (l->master == MasterStatus::alive) return std::move(l->state);
  std::string message = not_alive_message(*l);
  if (l->master != MasterStatus::stale) return Error{message};
  Status removed = remove_stale_files(l->name);
  message.insert(message.size() - 1, removed ? ", removed" : "; " + removed.error().message);
  return Error{message};
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
  std::optional<WorkerRow> target;
  if (worker) {
    Result<WorkerRow> w = resolve_worker(*pool, *worker);
    if (!w) return w.error();
    target = *w;
    d.target = "worker " + std::to_string(w->index) + " (" + w->worker_id + ", pid " +
               std::to_string(w->pid) + ")";
  } else {
    d.target = "master (pid " + std::to_string(pool->master_pid) + ")";
  }
  // Every pid here was read from a file: it is signalled only if it is still the master, or a
  // child of the master, with the recorded start time (pinned by a pidfd, so no reuse race).
  Result<VerifiedProcess> process =
      target ? VerifiedProcess::open(target->pid, target->start_time, pool->master_pid, d.target)
             : VerifiedProcess::open(pool->master_pid, pool->master_start_time, 0, d.target);
  if (!process) return process.error();
  d.pid = process->pid();
  int signo = signal_number(signal);
  if (signal == ControlSignal::usr1)
    d.watch = EffectWatch::signal_taken(d.pid, target ? target->start_time : pool->master_start_time,
                                        signo);
  else if (target)
    d.watch = EffectWatch::worker_replaced(*target);
  d.sent_s = now_s();
  // A worker's exit that wpm asked for is planned (no crash-loop backoff): announce it first.
  if (target && signal != ControlSignal::usr1) {
    Result<std::string> dir = runtime_dir(pool->name, false);
    if (!dir) return dir.error();
    if (Status s = announce_planned_signal(*dir, {d.pid, signo}); !s) return s.error();
  }
  if (Status s = process->send(signo); !s) return s.error();
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
