// Pool: spawning, exits and slot retention. Retirement and timers are in pool_control.cc.
#include "supervisor/pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "core/clock.h"
#include "core/format.h"
#include "core/log.h"
#include "core/slot_ops.h"
#include "core/snapshot.h"
#include "supervisor/spawner.h"

namespace wpm::supervisor {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;
constexpr uint64_t kNoSlotRetryNs = 1'000'000'000;

uint64_t cpu_ns_of(const rusage& u) {
  auto ns = [](const timeval& tv) {
    return static_cast<uint64_t>(tv.tv_sec) * 1'000'000'000ull +
           static_cast<uint64_t>(tv.tv_usec) * 1000ull;
  };
  return ns(u.ru_utime) + ns(u.ru_stime);
}


bool forced(ExitReason reason) { return restart_type_of(reason) == RestartType::forced; }

}  // namespace

std::string worker_executable(const std::string& self_exe) {
  size_t slash = self_exe.rfind('/');
  if (slash == std::string::npos) return self_exe;
  std::string lean = self_exe.substr(0, slash + 1) + "wpm-worker";
  return ::access(lean.c_str(), X_OK) == 0 ? lean : self_exe;
}

PoolConfig make_pool_config(const ServeOptions& options, int listen_fd, int ready_fd) {
  PoolConfig c;
  c.options = options;
  c.worker_exe = worker_executable(options.self_exe);
  c.listen_fd = listen_fd;
  c.ready_fd = ready_fd;
  c.liveness.timeout_ns = seconds_to_ns(options.timeout_s);
  c.liveness.boot_timeout_ns = seconds_to_ns(options.boot_timeout_s);
  c.retention.retain_ns = seconds_to_ns(options.retain_exited_s);
  c.retention.max_exited = options.retain_exited_max;
  c.graceful_ns = seconds_to_ns(options.graceful_timeout_s);
  c.quick_grace_ns = std::min<uint64_t>(c.graceful_ns, 2'000'000'000);
  return c;
}

Pool::Pool(PoolConfig config, const Segment& segment, std::mutex& segment_mutex,
           ProcSampler& sampler)
    : config_(std::move(config)),
      segment_(segment),
      segment_mutex_(segment_mutex),
      sampler_(sampler) {
  indices_.resize(config_.options.workers);
  for (IndexState& s : indices_) s.active = true;
}

Status Pool::start(uint64_t now_ns) {
  for (uint32_t i = 0; i < indices_.size(); ++i)
    if (Status s = spawn(i, now_ns); !s) return s;
  return {};
}

uint64_t Pool::jittered_max_requests() {
  uint64_t base = config_.options.max_requests;
  if (base == 0 || config_.options.max_requests_jitter == 0) return base;
  std::uniform_int_distribution<uint64_t> jitter(0, config_.options.max_requests_jitter);
  return base + jitter(rng_);
}

WorkerOptions Pool::worker_options(uint32_t slot, uint32_t index) {
  const ServeOptions& o = config_.options;
  WorkerOptions wo;
  wo.worker_class = o.worker_class;
  wo.listen_fd = config_.listen_fd;
  wo.segment_fd = segment_.fd();
  wo.slot = slot;
  wo.index = index;
  wo.threads = o.threads;
  wo.worker_connections = o.worker_connections;
  wo.keepalive_s = o.keepalive_s;
  wo.graceful_timeout_s = o.graceful_timeout_s;
  wo.timeout_s = o.timeout_s;
  wo.max_requests = jittered_max_requests();
  wo.max_body_buffer = o.max_body_buffer;
  wo.allow_crash = o.allow_crash;
  wo.metrics = o.metrics;
  wo.log_level = o.log_level;
  wo.name = o.name;
  wo.ready_fd = config_.ready_fd;
  wo.profile = o.profile;
  return wo;
}

std::optional<uint32_t> Pool::take_free_slot(uint64_t now_ns) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (uint32_t i = 0; i < segment_.capacity(); ++i)
      if (segment_.slot(i).life.status.load(std::memory_order_acquire) ==
          static_cast<uint32_t>(SlotStatus::free))
        return i;
    recycle(now_ns, 1);  // out of free slots: retire the oldest exited one early
  }
  return std::nullopt;
}

Status Pool::spawn(uint32_t index, uint64_t now_ns) {
  std::optional<uint32_t> slot = take_free_slot(now_ns);
  if (!slot) {
    indices_[index].next_spawn_ns = now_ns + kNoSlotRetryNs;
    return Error{"no free metrics slot for worker " + std::to_string(index) + " (capacity " +
                 std::to_string(segment_.capacity()) + " slots, all held by live workers)"};
  }
  WorkerSlot& cells = segment_.slot(*slot);
  uint64_t age = next_age_++;
  IndexState& is = indices_[index];
  {
    std::lock_guard lock(segment_mutex_);
    claim_slot(cells, index, age, 0);
    cells.life.replaced_pid.store(is.dead_pid, relaxed);
    cells.life.replaced_death_ns.store(is.death_ns, relaxed);
  }
  WorkerOptions wo = worker_options(*slot, index);
  Result<pid_t> pid = launch(wo);
  if (!pid) {
    std::lock_guard lock(segment_mutex_);
    reset_slot(cells);
    return Error{"cannot start worker " + std::to_string(index) + ": " + pid.error().message};
  }
  cells.life.pid.store(*pid, relaxed);
  Worker w;
  w.pid = *pid;
  w.slot = *slot;
  w.index = index;
  w.age = age;
  w.spawn_ns = cells.life.spawn_ns.load(relaxed);
  w.replaced_death_ns = is.death_ns;
  if (is.dead_pid != 0) observe_replacement(ReplacementPhase::spawn, is.death_ns, w.spawn_ns);
  is.dead_pid = 0;
  is.death_ns = 0;
  workers_.push_back(w);
  changed_ = true;
  log_info("booting worker ", index, " (pid ", *pid, ", ",
           worker_id(age, cells.life.start_unix.load(relaxed)), ", slot ", *slot,
           wo.max_requests ? ", max_requests " + std::to_string(wo.max_requests) : "", ")");
  return {};
}

Result<pid_t> Pool::launch(const WorkerOptions& wo) {
  std::vector<int> inherit{config_.listen_fd, segment_.fd()};
  if (config_.ready_fd >= 0) inherit.push_back(config_.ready_fd);
  if (config_.options.fork_server && !fork_server_.running()) {
    if (Status s = fork_server_.start(config_.worker_exe, wo, inherit); !s) {
      // E.g. a libc without the thread id cell: exec every worker from now on.
      config_.options.fork_server = false;
      log_warning(s.error().message, "; starting workers by exec from now on");
    } else {
      log_debug("fork server started (pid ", fork_server_.pid(), ")");
    }
  }
  if (fork_server_.running()) {
    Result<pid_t> pid = fork_server_.fork_worker(wo.slot, wo.index, wo.max_requests);
    if (pid) return pid;
    // The next spawn starts a fresh fork server; this one is exec'd.
    log_warning(pid.error().message, "; starting worker ", wo.index, " by exec");
  }
  return spawn_process({config_.worker_exe, worker_argv(wo), inherit});
}

void Pool::spawn_due(uint64_t now_ns) {
  for (uint32_t i = 0; i < indices_.size(); ++i) {
    IndexState& s = indices_[i];
    if (!s.active || now_ns < s.next_spawn_ns || current_at(i) != nullptr) continue;
    if (Status st = spawn(i, now_ns); !st) {
      // A failed spawn counts as a worker that died at once: the backoff applies.
      uint64_t delay = respawn_delay(s.backoff, 0, config_.backoff);
      s.next_spawn_ns = std::max(s.next_spawn_ns, now_ns + delay);
      log_error(st.error().message, "; retrying in ", format_nanoseconds(s.next_spawn_ns - now_ns));
    }
  }
}

void Pool::recycle(uint64_t now_ns, size_t slots_needed) {
  if (exited_.empty()) return;
  size_t free_slots = 0;
  for (uint32_t i = 0; i < segment_.capacity(); ++i)
    if (segment_.slot(i).life.status.load(std::memory_order_acquire) ==
        static_cast<uint32_t>(SlotStatus::free))
      ++free_slots;
  for (uint32_t slot :
       slots_to_recycle(exited_, now_ns, config_.retention, free_slots, slots_needed)) {
    recycle_slot(slot);
    std::erase_if(exited_, [slot](const ExitedSlot& e) { return e.slot == slot; });
    changed_ = true;
  }
}

void Pool::recycle_slot(uint32_t number) {
  std::lock_guard lock(segment_mutex_);
  WorkerSlot& slot = segment_.slot(number);
  uint32_t reason = slot.life.exit_reason.load(relaxed);
  fold_slot(slot, segment_.archive());
  if (reason < kExitReasonCount)
    segment_.master().archived_exits[reason].fetch_add(1, relaxed);
  reset_slot(slot);
}

void Pool::on_exit(pid_t pid, int wait_status, const rusage& usage, uint64_t now_ns) {
  auto it = std::find_if(workers_.begin(), workers_.end(),
                         [pid](const Worker& w) { return w.pid == pid; });
  if (fork_server_.reaped(pid)) {
    log_warning("the fork server (pid ", pid, ") exited: ", describe_wait_status(wait_status),
                "; the next worker starts a new one");
    return;
  }
  if (it == workers_.end()) {
    // E.g. a child whose exec failed (Boost.Process reported the error already) or a fork
    // server that was stopped.
    log_debug("reaped pid ", pid, " (not a worker): ", describe_wait_status(wait_status));
    return;
  }
  Worker w = *it;
  workers_.erase(it);
  WorkerState last_state = state_of(w);
  ExitFacts facts;
  facts.master_reason = w.master_reason;
  facts.signaled = WIFSIGNALED(wait_status);
  facts.signal = facts.signaled ? WTERMSIG(wait_status) : 0;
  facts.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 0;
  facts.recorded = recorded_exit(segment_.slot(w.slot).hot);
  facts.announced_signal = w.announced_signal;
  if (facts.signaled && facts.signal == SIGKILL && !w.master_reason)
    facts.oom_killed = oom_.oom_kill_since_last_check();
  ExitReason reason = classify_exit(facts);
  check_first_request(w, now_ns);  // served before dying, not yet looked at
  mark_exited(w, reason, usage, now_ns);
  after_exit(w, reason, planned_exit(facts, reason), last_state, wait_status, now_ns);
}

void Pool::mark_exited(Worker& w, ExitReason reason, const rusage& usage, uint64_t now_ns) {
  std::lock_guard lock(segment_mutex_);
  WorkerSlot& slot = segment_.slot(w.slot);
  slot.life.exit_reason.store(static_cast<uint32_t>(reason), relaxed);
  slot.life.exit_ns.store(now_ns, relaxed);
  // The kernel's final account is exact; a /proc sample may be up to a second old.
  uint64_t cpu = cpu_ns_of(usage);
  if (cpu > slot.life.cpu_ns.load(relaxed)) slot.life.cpu_ns.store(cpu, relaxed);
  // Died before any live reading: its peak RSS is the best figure left.
  if (slot.life.rss_bytes.load(relaxed) == 0 && usage.ru_maxrss > 0)
    slot.life.rss_bytes.store(static_cast<uint64_t>(usage.ru_maxrss) * 1024, relaxed);
  set_state(slot.hot, WorkerState::exited);
  slot.life.status.store(static_cast<uint32_t>(SlotStatus::exited), std::memory_order_release);
  exited_.push_back({w.slot, now_ns});
  changed_ = true;
}

void Pool::after_exit(const Worker& w, ExitReason reason, bool planned, WorkerState last_state,
                      int wait_status, uint64_t now_ns) {
  bool replaced = w.current && !stopping_ && w.index < indices_.size() &&
                  indices_[w.index].active;
  // A reload's old worker, or one whose successor was started ahead of its max_requests, was
  // replaced by that successor: a replacement too.
  bool reloaded = !w.current && !stopping_ && (reason == ExitReason::reload || w.succeeded);
  if (replaced || reloaded)
    segment_.master().worker_restarts[static_cast<size_t>(reason)].fetch_add(1, relaxed);
  if (w.succeeded && !stopping_) time_succession(w, now_ns);
  uint64_t lived = now_ns > w.spawn_ns ? now_ns - w.spawn_ns : 0;
  std::string what = "worker " + std::to_string(w.index) + " (pid " + std::to_string(w.pid) +
                     ") " + describe_wait_status(wait_status) + " after " + format_nanoseconds(lived) +
                     ": reason " + std::string(to_string(reason));
  if (!replaced) {
    log(forced(reason) && !stopping_ ? LogLevel::warning : LogLevel::info, what);
    return;
  }
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == kExitUsage &&
      last_state == WorkerState::booting) {
    // A usage error at boot (e.g. a worker binary that rejects our argv) repeats forever.
    fatal_ = Error{what + " while booting (usage error); a new worker would fail the same way"};
    log_error(fatal_->message);
    return;
  }
  IndexState& index = indices_[w.index];
  index.dead_pid = w.pid;
  index.death_ns = now_ns;
  // Backoff guards against crash loops; an exit someone asked for is no crash.
  uint64_t delay = planned ? 0 : respawn_delay(index.backoff, lived, config_.backoff);
  index.next_spawn_ns = now_ns + delay;
  if (delay == 0) {
    log(forced(reason) && !planned ? LogLevel::warning : LogLevel::info, what,
        planned ? " (planned); respawning" : "; respawning");
  } else {
    log_warning(what, "; died young ", index.backoff.strikes, " time(s) in a row, respawning in ",
                format_nanoseconds(delay), " (crash-loop backoff)");
  }
}

WorkerState Pool::state_of(const Worker& w) const {
  uint32_t raw = segment_.slot(w.slot).hot.state.load(relaxed);
  return raw < kWorkerStateCount ? static_cast<WorkerState>(raw) : WorkerState::booting;
}

Pool::Worker* Pool::current_at(uint32_t index) {
  for (Worker& w : workers_)
    if (w.current && w.index == index) return &w;
  return nullptr;
}

bool Pool::take_changed() { return std::exchange(changed_, false); }

}  // namespace wpm::supervisor
