// Retention of exited workers' slots (DESIGN.md §4 Cardinality): an exited worker's series stay
// visible with their final values for a while, bounded in count; then the slot is recycled
// (folded into the archive) so the series count stays bounded after any number of restarts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wpm::supervisor {

struct ExitedSlot {
  uint32_t slot = 0;
  uint64_t exit_ns = 0;  // monotonic
};

struct RetentionPolicy {
  uint64_t retain_ns = 300'000'000'000;  // keep an exited slot visible this long
  uint32_t max_exited = 64;              // and keep at most this many exited slots
};

// The exited slots to recycle now, oldest exit first: every one older than retain_ns, then the
// oldest ones beyond max_exited, then as many more as it takes to have `slots_needed` free
// slots (free_slots are free already). May return fewer when every exited slot is taken.
std::vector<uint32_t> slots_to_recycle(std::vector<ExitedSlot> exited, uint64_t now_ns,
                                       const RetentionPolicy& policy, size_t free_slots,
                                       size_t slots_needed);

}  // namespace wpm::supervisor
