// Even keep-alive load across the workers of a pool. Long-lived connections are accepted once:
// when a worker dies, its clients reconnect at once, before the replacement is up, and the
// survivors would otherwise take them all and keep them for the rest of the run (the
// replacement then serves nothing). So a worker holds off accepting while it holds more than
// its fair share of the pool's connections (every worker publishes its count in its slot);
// the pending connections wait in the shared backlog for a sibling below its share — the
// replacement, a few milliseconds later. The hold is bounded (kMaxHoldNs): a sibling that
// never comes (crash-loop backoff) costs the clients that long, once, not their requests.
#pragma once

#include <cstdint>

#include "core/segment.h"

namespace wpm {

// The pure rule: whether a worker holding `own` of the `total` connections of the `running`
// workers of a pool of `workers` positions should let its siblings take the next one.
//  - every position has a running worker: when one more connection would put it above
//    ceil((total + 1) / workers). A worker at the minimum is never above, so someone always
//    accepts, and no worker ends above ceil(total / workers): 16 connections arriving at once
//    over 4 workers end 4/4/4/4 (a rule checked before the accept gave 5/5/3/3);
//  - a position awaits its worker (a replacement booting): when own is at or above the running
//    workers' average — the connections still to come are that worker's share.
// A worker holding fewer than kMinConnectionsToHold connections never holds: under
// connection-close load its count is 0 or 1, and holding there would only add the re-check
// delay to every request.
inline constexpr int64_t kMinConnectionsToHold = 2;
bool over_fair_share(int64_t own, int64_t total, uint32_t workers, uint32_t running);

class AcceptBalance {
 public:
  static constexpr uint64_t kMaxHoldNs = 1'000'000'000;
  // While holding, re-check this often (connections close, a sibling comes up).
  static constexpr int kRecheckMs = 5;

  // segment == nullptr (a worker run outside a pool) never holds.
  AcceptBalance(const Segment* segment, const WorkerSlot& own) : segment_(segment), own_(&own) {}

  // Whether to leave the next connection to a sibling now, holding `own` connections.
  bool hold(int64_t own, uint64_t now_ns);

 private:
  const Segment* segment_;
  const WorkerSlot* own_;
  uint64_t holding_since_ns_ = 0;  // 0 = not holding
  bool gave_up_ = false;           // held kMaxHoldNs: accept until the load is even again
};

}  // namespace wpm
