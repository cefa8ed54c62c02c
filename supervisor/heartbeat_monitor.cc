#include "supervisor/heartbeat_monitor.h"

namespace wpm::supervisor {
namespace {

uint64_t elapsed(uint64_t since, uint64_t now) { return now > since ? now - since : 0; }

}  // namespace

Liveness check_liveness(const LivenessView& view, uint64_t now_ns, const LivenessPolicy& policy) {
  switch (view.state) {
    case WorkerState::booting:
      if (policy.boot_timeout_ns != 0 && elapsed(view.spawn_ns, now_ns) > policy.boot_timeout_ns)
        return Liveness::boot_timeout;
      return Liveness::ok;
    // A draining or aborting worker is still expected to beat: a graceful quit stuck in a
    // long request is as stuck as a running worker.
    case WorkerState::running:
    case WorkerState::quitting:
    case WorkerState::aborting:
      if (policy.timeout_ns != 0 && elapsed(view.heartbeat_ns, now_ns) > policy.timeout_ns)
        return Liveness::heartbeat_timeout;
      return Liveness::ok;
    case WorkerState::exited:
      return Liveness::ok;
  }
  return Liveness::ok;
}

uint64_t seconds_to_ns(double seconds) {
  if (!(seconds > 0)) return 0;
  // Saturates: converting a double beyond uint64_t is undefined, and "forever" is meant.
  if (seconds * 1e9 >= 18446744073709549568.0) return UINT64_MAX;
  return static_cast<uint64_t>(seconds * 1e9);
}

}  // namespace wpm::supervisor
