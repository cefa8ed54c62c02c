// Liveness of a worker from its shared-memory heartbeat (DESIGN.md §2): `timeout` applies to a
// worker that is serving, `boot_timeout` separately to one that never reached running.
#pragma once

#include <cstdint>

#include "core/names.h"

namespace wpm::supervisor {

struct LivenessPolicy {
  uint64_t timeout_ns = 30'000'000'000;       // 0 disables the heartbeat check
  uint64_t boot_timeout_ns = 30'000'000'000;  // 0 disables the boot check
};

struct LivenessView {
  WorkerState state = WorkerState::booting;  // as the worker last wrote it
  uint64_t spawn_ns = 0;                     // monotonic
  uint64_t heartbeat_ns = 0;                 // monotonic, worker-written
};

enum class Liveness {
  ok,
  boot_timeout,       // still booting after boot_timeout: kill it
  heartbeat_timeout,  // silent for longer than timeout while serving: abort it, then kill
};

Liveness check_liveness(const LivenessView& view, uint64_t now_ns, const LivenessPolicy& policy);

// Seconds → nanoseconds for option values; negative or NaN means disabled (0), values beyond
// the range mean forever (UINT64_MAX).
uint64_t seconds_to_ns(double seconds);
// t + d, saturated: a deadline from a huge duration must not wrap into the past.
inline uint64_t saturating_add(uint64_t t, uint64_t d) {
  return d > UINT64_MAX - t ? UINT64_MAX : t + d;
}

}  // namespace wpm::supervisor
