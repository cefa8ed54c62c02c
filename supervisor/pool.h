// The worker pool as the master sees it: pool indices, the live worker processes, their
// slots in the metrics segment, retirement (reload, scale down, stop), exit attribution,
// replacement with crash-loop backoff, liveness enforcement and slot retention.
// Single-threaded: only the master loop calls it. Slot writes that a scrape may observe are
// made under `segment_mutex` (shared with the metrics endpoint).
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include "core/options.h"
#include "core/result.h"
#include "core/segment.h"
#include "supervisor/backoff.h"
#include "supervisor/exit_reason.h"
#include "supervisor/fork_client.h"
#include "supervisor/heartbeat_monitor.h"
#include "supervisor/proc_sampler.h"
#include "supervisor/retention.h"

namespace wpm::supervisor {

struct PoolConfig {
  ServeOptions options;
  int listen_fd = -1;
  int ready_fd = -1;  // eventfd every worker writes once running (WorkerOptions::ready_fd)
  std::string worker_exe;  // what `worker …` is exec'd from (worker_executable())
  LivenessPolicy liveness;
  BackoffPolicy backoff;
  RetentionPolicy retention;
  uint64_t graceful_ns = 30'000'000'000;    // TERM → KILL on graceful stop, reload, scale down
  uint64_t quick_grace_ns = 2'000'000'000;  // QUIT → KILL on quick stop
  uint64_t abort_grace_ns = 2'000'000'000;  // timeout ABRT → KILL
};

// The lean `wpm-worker` next to `self_exe` when it is there (it links only core and workers,
// so a replacement pays a fraction of wpm's start-up: no OpenSSL, HTTP client or CLI parser to
// load and relocate), else `self_exe` itself, which understands `worker …` just the same.
std::string worker_executable(const std::string& self_exe);

// Builds the pool configuration from the serve options (timeouts, retention, graces).
PoolConfig make_pool_config(const ServeOptions& options, int listen_fd, int ready_fd);

class Pool {
 public:
  Pool(PoolConfig config, const Segment& segment, std::mutex& segment_mutex,
       ProcSampler& sampler);

  // Spawns the initial workers; an exec failure here is fatal (a broken self_exe would
  // otherwise respawn forever).
  Status start(uint64_t now_ns);
  // Everything due by `now_ns`: state changes (readiness), liveness, kill deadlines, reload
  // hand-over, due respawns, retention. Called after every event and at next_deadline().
  void tick(uint64_t now_ns);
  // Acts on workers' state changes (readiness) without the rest of tick(): called as soon as
  // a readiness notification arrives, before reaping, so a worker that becomes ready and dies
  // at once still counts as ready.
  void notice_states(uint64_t now_ns);
  // The earliest time at which tick() has something to do unprompted by an event (a timeout,
  // a kill deadline, a delayed respawn, a retention expiry, a first-request check); 0 = none.
  uint64_t next_deadline() const;
  // A reaped child (from wait4). Unknown pids are ignored.
  void on_exit(pid_t pid, int wait_status, const rusage& usage, uint64_t now_ns);
  // wpm announced that it is sending `signal` to worker `pid` (planned_exit.h): when that
  // signal ends the worker, the exit is planned. False when `pid` is not a live worker.
  bool announce(pid_t pid, int signal);

  void grow(uint64_t now_ns);    // TTIN
  void shrink(uint64_t now_ns);  // TTOU
  void reload(uint64_t now_ns);  // HUP
  // Stops the pool: every worker gets `sig`, then SIGKILL after `grace_ns`. A later call may
  // only make the stop quicker.
  void stop(ExitReason reason, int sig, uint64_t grace_ns, uint64_t now_ns);
  void forward(int sig);  // USR1 …

  bool stopping() const { return stopping_; }
  bool empty() const { return workers_.empty(); }
  size_t live_workers() const { return workers_.size(); }
  uint32_t target() const;
  const PoolConfig& config() const { return config_; }
  bool healthy() const;  // every active index has a current worker in state running
  // True once after any worker was spawned, exited or changed state.
  bool take_changed();
  // Set when a worker failed in a way that respawning cannot fix (e.g. usage error at boot).
  const std::optional<Error>& fatal() const { return fatal_; }

 private:
  struct Worker {
    pid_t pid = 0;
    uint32_t slot = 0;
    uint32_t index = 0;
    uint64_t age = 0;
    uint64_t spawn_ns = 0;
    bool current = true;          // false once replaced or retired
    bool reload_pending = false;  // replaced by HUP: retire when the successor runs
    // Near max_requests it asked for a successor (workers/successor.h): no longer current,
    // it serves until that successor runs (then it is retired) or it reaches the limit.
    bool succession_pending = false;
    bool succeeded = false;  // a successor was started for it: its exit needs no respawn
    pid_t predecessor_pid = 0;  // a successor started ahead: the worker it succeeds
    std::optional<ExitReason> master_reason;
    uint64_t kill_at_ns = 0;  // SIGKILL deadline, 0 = none
    bool killed = false;
    WorkerState seen_state = WorkerState::booting;
    int announced_signal = 0;
    // Replacement timing: the predecessor's death (0 = not a replacement), and the next
    // look for a first request while none is recorded (0 = not looking).
    uint64_t replaced_death_ns = 0;
    bool served = false;  // its first request was seen
    uint64_t first_request_check_ns = 0;
    uint64_t first_request_step_ns = 0;
  };
  struct IndexState {
    bool active = false;
    BackoffState backoff;
    uint64_t next_spawn_ns = 0;
    pid_t dead_pid = 0;  // the worker whose death the next spawn replaces (0 = none)
    uint64_t death_ns = 0;
  };

  Status spawn(uint32_t index, uint64_t now_ns);
  // Starts one worker process: forked by the fork server when there is one, else exec'd.
  Result<pid_t> launch(const WorkerOptions& wo);
  std::optional<uint32_t> take_free_slot(uint64_t now_ns);
  void spawn_due(uint64_t now_ns);
  void recycle(uint64_t now_ns, size_t slots_needed);
  void recycle_slot(uint32_t slot);
  void mark_exited(Worker& w, ExitReason reason, const rusage& usage, uint64_t now_ns);
  void after_exit(const Worker& w, ExitReason reason, bool planned, WorkerState last_state,
                  int wait_status, uint64_t now_ns);
  void check_worker(Worker& w, uint64_t now_ns);
  void on_state_change(Worker& w, WorkerState state, uint64_t now_ns);
  void on_ready(Worker& w, uint64_t now_ns);
  void check_first_request(Worker& w, uint64_t now_ns);
  void observe_replacement(ReplacementPhase phase, uint64_t death_ns, uint64_t at_ns);
  uint64_t liveness_deadline(const Worker& w) const;
  bool index_gone(const Worker& w) const;  // its index was removed (TTOU) or never was
  // A worker being replaced (reload, succession) may be retired: its index is gone, or the
  // index's current worker runs.
  bool may_hand_over(const Worker& w);
  void hand_over_reloads(uint64_t now_ns);
  void start_successors(uint64_t now_ns);
  void hand_over_successions(uint64_t now_ns);
  void time_succession(const Worker& predecessor, uint64_t death_ns);
  void retire(Worker& w, ExitReason reason, int sig, uint64_t grace_ns, uint64_t now_ns);
  void send(Worker& w, int sig);
  Worker* current_at(uint32_t index);
  WorkerState state_of(const Worker& w) const;
  uint64_t jittered_max_requests();
  WorkerOptions worker_options(uint32_t slot, uint32_t index);

  PoolConfig config_;
  const Segment& segment_;
  std::mutex& segment_mutex_;
  ProcSampler& sampler_;  // guarded by segment_mutex_
  std::vector<Worker> workers_;     // live processes only
  std::vector<IndexState> indices_;
  std::vector<ExitedSlot> exited_;  // slots kept visible after their worker exited
  uint64_t next_age_ = 1;
  bool stopping_ = false;
  bool changed_ = true;
  std::optional<Error> fatal_;
  OomWatcher oom_;
  ForkClient fork_server_;  // running from the first spawn on, unless options.fork_server is off
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace wpm::supervisor
