#include "cli/pool_control.h"

#include <dirent.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "core/clock.h"

namespace wpm::cli {
namespace {

bool alive(int32_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

std::vector<WorkerStatusRow> live_workers(const PoolState& s) {
  std::vector<WorkerStatusRow> out;
  for (const WorkerStatusRow& w : s.workers)
    if (w.state != "exited") out.push_back(w);
  return out;
}

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

Result<WorkerStatusRow> resolve_worker(const PoolState& s, const std::string& spec) {
  std::vector<WorkerStatusRow> live = live_workers(s);
  bool numeric = !spec.empty() && std::all_of(spec.begin(), spec.end(), ::isdigit);
  for (const WorkerStatusRow& w : live)
    if (w.worker_id == spec) return w;
  if (numeric) {
    uint64_t n = std::stoull(spec);
    for (const WorkerStatusRow& w : live)
      if (w.index == n) return w;
    for (const WorkerStatusRow& w : live)
      if (static_cast<uint64_t>(w.pid) == n) return w;
  }
  return Error{"pool '" + s.name + "' has no live worker '" + spec +
               "' (give an index, a worker_id or a pid; see `wpm status`)"};
}

using Check = std::function<std::optional<std::string>(const PoolState*)>;

// Polls the state file until `done` reports an effect; the master rewrites it on every change.
Result<std::string> wait_for(const PoolRef& ref, double timeout_s, const Check& done) {
  uint64_t deadline = monotonic_ns() + static_cast<uint64_t>(timeout_s * 1e9);
  while (monotonic_ns() < deadline) {
    Result<PoolState> s = find_pool(ref);
    if (auto effect = done(s ? &*s : nullptr)) return *effect;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error{"timed out after " + std::to_string(timeout_s) + " s waiting for the signal's effect"};
}

Check worker_replaced(const WorkerStatusRow& old, bool expect_replacement) {
  return [old, expect_replacement](const PoolState* s) -> std::optional<std::string> {
    if (s == nullptr) return "the pool stopped";
    for (const WorkerStatusRow& w : live_workers(*s))
      if (w.pid == old.pid) return std::nullopt;  // still there
    if (!expect_replacement) return "worker pid " + std::to_string(old.pid) + " exited";
    for (const WorkerStatusRow& w : live_workers(*s))
      if (w.index == old.index && w.state == "running")
        return "worker " + std::to_string(old.index) + " replaced by pid " + std::to_string(w.pid) +
               " (" + w.worker_id + ")";
    return std::nullopt;
  };
}

Check master_effect(ControlSignal sig, const PoolState& before) {
  size_t count = live_workers(before).size();
  std::vector<int32_t> old_pids;
  for (const WorkerStatusRow& w : live_workers(before)) old_pids.push_back(w.pid);
  int32_t master = before.master_pid;
  return [=](const PoolState* s) -> std::optional<std::string> {
    bool all_running = s != nullptr;
    if (s) for (const WorkerStatusRow& w : live_workers(*s)) all_running &= w.state == "running";
    switch (sig) {
      case ControlSignal::term: case ControlSignal::int_: case ControlSignal::quit:
      case ControlSignal::kill: case ControlSignal::abort:
        if (!alive(master)) return "master pid " + std::to_string(master) + " exited";
        return std::nullopt;
      case ControlSignal::ttin: case ControlSignal::ttou: {
        if (s == nullptr) return "the pool stopped";
        size_t want = sig == ControlSignal::ttin ? count + 1 : (count > 1 ? count - 1 : count);
        if (live_workers(*s).size() == want && all_running)
          return "pool has " + std::to_string(want) + " workers";
        return std::nullopt;
      }
      case ControlSignal::hup: {
        if (s == nullptr) return "the pool stopped";
        auto live = live_workers(*s);
        if (live.size() != count || !all_running) return std::nullopt;
        for (const WorkerStatusRow& w : live)
          if (std::find(old_pids.begin(), old_pids.end(), w.pid) != old_pids.end()) return std::nullopt;
        return "all " + std::to_string(count) + " workers replaced";
      }
      case ControlSignal::usr1: return "delivered";
    }
    return "delivered";
  };
}

}  // namespace

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

Result<SignalOutcome> send_signal(const SignalRequest& req) {
  Result<PoolState> pool = find_pool(req.pool);
  if (!pool) return pool.error();
  SignalOutcome out;
  std::optional<WorkerStatusRow> worker;
  if (req.worker) {
    Result<WorkerStatusRow> w = resolve_worker(*pool, *req.worker);
    if (!w) return w.error();
    worker = *w;
    out.pid = w->pid;
    out.target = "worker " + std::to_string(w->index) + " (" + w->worker_id + ", pid " +
                 std::to_string(w->pid) + ")";
  } else {
    out.pid = pool->master_pid;
    out.target = "master (pid " + std::to_string(pool->master_pid) + ")";
  }
  if (kill(out.pid, signal_number(req.signal)) != 0)
    return errno_error("kill(" + std::to_string(out.pid) + ", " +
                       std::string(to_string(req.signal)) + ")");
  if (!req.wait) return out;
  uint64_t start = monotonic_ns();
  Check check = worker ? worker_replaced(*worker, true) : master_effect(req.signal, *pool);
  Result<std::string> effect = wait_for(req.pool, req.wait_timeout_s, check);
  if (!effect) return effect.error();
  out.effect = *effect;
  out.waited_s = ns_to_seconds(monotonic_ns() - start);
  return out;
}

}  // namespace wpm::cli
