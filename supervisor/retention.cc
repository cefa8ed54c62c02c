#include "supervisor/retention.h"

#include <algorithm>

namespace wpm::supervisor {

std::vector<uint32_t> slots_to_recycle(std::vector<ExitedSlot> exited, uint64_t now_ns,
                                       const RetentionPolicy& policy, size_t free_slots,
                                       size_t slots_needed) {
  std::stable_sort(exited.begin(), exited.end(), [](const ExitedSlot& a, const ExitedSlot& b) {
    return a.exit_ns < b.exit_ns;
  });
  size_t expired = 0;
  while (expired < exited.size() && now_ns >= exited[expired].exit_ns &&
         now_ns - exited[expired].exit_ns >= policy.retain_ns)
    ++expired;
  size_t over_count = exited.size() > policy.max_exited ? exited.size() - policy.max_exited : 0;
  size_t for_room = slots_needed > free_slots ? slots_needed - free_slots : 0;
  size_t n = std::min(exited.size(), std::max({expired, over_count, for_room}));
  std::vector<uint32_t> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(exited[i].slot);
  return out;
}

}  // namespace wpm::supervisor
