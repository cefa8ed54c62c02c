// Crash-loop guard: a pool index whose workers keep dying young is respawned with an
// exponentially growing delay instead of a fork storm.
#pragma once

#include <cstdint>

namespace wpm::supervisor {

struct BackoffPolicy {
  uint64_t young_ns = 1'000'000'000;     // a worker that dies sooner than this "died young"
  uint64_t healthy_ns = 5'000'000'000;   // a worker that lived this long clears the strikes
  uint64_t first_delay_ns = 100'000'000; // 0.1 s, doubled per consecutive young death
  uint64_t max_delay_ns = 5'000'000'000;
};

struct BackoffState {
  uint32_t strikes = 0;  // consecutive young deaths (not cleared by a short but not young life)
};

// Updates `state` with the death of a worker that lived `lifetime_ns` and returns how long to
// wait before respawning its index (0 = at once).
uint64_t respawn_delay(BackoffState& state, uint64_t lifetime_ns, const BackoffPolicy& policy);

}  // namespace wpm::supervisor
