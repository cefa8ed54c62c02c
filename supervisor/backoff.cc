#include "supervisor/backoff.h"

#include <algorithm>

namespace wpm::supervisor {

uint64_t respawn_delay(BackoffState& state, uint64_t lifetime_ns, const BackoffPolicy& policy) {
  if (lifetime_ns >= policy.healthy_ns) state.strikes = 0;
  if (lifetime_ns >= policy.young_ns) return 0;
  ++state.strikes;
  uint64_t delay = policy.first_delay_ns;
  // Doubling stops at the cap; the loop bound keeps the shift from overflowing.
  for (uint32_t i = 1; i < state.strikes && delay < policy.max_delay_ns; ++i) delay *= 2;
  return std::min(delay, policy.max_delay_ns);
}

}  // namespace wpm::supervisor
