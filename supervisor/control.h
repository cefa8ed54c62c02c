// The supervisor's public control API: finding a running pool and sending it control signals.
// `wpm signal`, `wpm status` and the bench's fault injection all go through here, so an
// injected abort is exactly what a user's `wpm signal abort --worker 0` does.
//
// Sending and watching are separate steps: deliver_signal() sends at once and returns an
// EffectWatch, which a caller checks against fresh pool states on its own clock (the bench's
// scheduler) or hands to wait_for_effect() (`wpm signal --wait`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/names.h"
#include "core/result.h"
#include "core/state_file.h"

namespace wpm::supervisor {

struct PoolRef {
  std::string name = "wpm";
  int32_t master_pid = 0;  // when set, wins over name
};

struct SignalRequest {
  PoolRef pool;
  ControlSignal signal = ControlSignal::quit;
  std::optional<std::string> worker;  // index, worker_id or pid; none = the master
  bool wait = false;
  double wait_timeout_s = 30;
};

// What a signal visibly did. The times are those of the checks that first saw each step
// (monotonic seconds, core/clock.h), so they are as fine as the caller's polling.
struct Effect {
  std::string text;  // e.g. "worker 0 replaced by pid 4242 (worker_5_1700000000)"
  std::optional<double> worker_gone_s;          // the signalled worker left the live set
  std::optional<double> replacement_spawned_s;  // a new worker appeared at its index
  std::optional<double> replacement_ready_s;    // that worker reached `running`
};

// Decides, from successive states of the pool, when a signal has had its effect.
class EffectWatch {
 public:
  // A signal to one worker: done once it is gone and a running successor holds its index.
  static EffectWatch worker_replaced(const WorkerRow& old);
  // A signal to the master, judged against the pool as it was before the signal.
  static EffectWatch master_signal(ControlSignal signal, const PoolState& before);
  // A signal that ends nothing (USR1: reopen logs): done once the process `pid` started at
  // `start_time` no longer has it pending, i.e. its handler (or signalfd) took it.
  static EffectWatch signal_taken(int32_t pid, uint64_t start_time, int signo);

  // One look at the pool (nullptr: no running pool found) at monotonic time `now_s`.
  std::optional<Effect> check(const PoolState* state, double now_s);
  // The steps seen so far (times only), e.g. for a signal whose effect never completed.
  const Effect& seen() const { return seen_; }

 private:
  std::optional<Effect> check_worker(const PoolState& state, double now_s);
  std::optional<Effect> check_master(const PoolState* state) const;
  std::optional<Effect> check_taken() const;

  struct TakenSignal {
    int32_t pid;
    uint64_t start_time;
    int signo;
  };
  std::optional<TakenSignal> taken_;
  std::optional<WorkerRow> old_worker_;
  ControlSignal signal_ = ControlSignal::quit;
  size_t live_before_ = 0;
  std::vector<int32_t> pids_before_;
  int32_t master_pid_ = 0;
  uint64_t master_start_time_ = 0;
  Effect seen_;
};

struct Delivery {
  int32_t pid = 0;     // who received the signal
  std::string target;  // "master (pid 1)" or "worker 0 (worker_3_…, pid 42)"
  double sent_s = 0;   // monotonic seconds just before kill()
  EffectWatch watch;
};

struct SignalOutcome {
  int32_t pid = 0;
  std::string target;
  std::string effect;  // what --wait observed
  double waited_s = 0;
};

// The state of a pool whose master is alive (core/state_file.h: it holds the pool's lock and
// is the process the file names); an error otherwise.
Result<PoolState> find_pool(const PoolRef& ref);
// For `wpm status`: find_pool, but the files a dead master left behind are removed, and the
// error says so: "pool 'NAME' is not running (stale state from pid P, removed)".
Result<PoolState> pool_status(const PoolRef& ref);
Result<ControlSignal> parse_signal(std::string text);
// Resolves the target (a live worker, or the master), checks that its pid is still that
// process, and sends the signal; does not wait.
Result<Delivery> deliver_signal(const PoolRef& pool, ControlSignal signal,
                                const std::optional<std::string>& worker);
// Re-reads the pool every 20 ms until `watch` reports or `timeout_s` passes (an error then).
Result<Effect> wait_for_effect(const PoolRef& pool, EffectWatch& watch, double timeout_s);
// deliver_signal, then wait_for_effect when request.wait is set.
Result<SignalOutcome> send_signal(const SignalRequest& request);

}  // namespace wpm::supervisor
