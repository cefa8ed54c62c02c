#include "workers/accept_balance.h"

#include <algorithm>

#include "core/names.h"

namespace wpm {

bool over_fair_share(int64_t own, int64_t total, uint32_t workers, uint32_t running) {
  if (workers <= 1 || own < kMinConnectionsToHold) return false;
  if (running < workers) return own * std::max<int64_t>(running, 1) >= total;
  // Would one more connection put it above the fair share of the pool with that connection?
  return own + 1 > (total + 1 + workers - 1) / workers;
}

namespace {

struct PoolLoad {
  int64_t connections = 0;  // held by running workers, this one included
  uint32_t workers = 0;     // pool size: positions occupied now or by a dead worker
  uint32_t running = 1;     // running workers, this one included
};

PoolLoad pool_load(const Segment& segment, const WorkerSlot& own, int64_t own_conns) {
  PoolLoad load;
  uint32_t top_index = 0;
  bool any = false;
  for (uint32_t i = 0; i < segment.capacity(); ++i) {
    const WorkerSlot& s = segment.slot(i);
    auto status = static_cast<SlotStatus>(s.life.status.load(std::memory_order_acquire));
    if (status == SlotStatus::free) continue;
    if (status == SlotStatus::exited &&
        s.life.exit_reason.load(std::memory_order_relaxed) ==
            static_cast<uint32_t>(ExitReason::scale_down))
      continue;  // that position is gone for good
    // A dead worker's position counts: its replacement is coming for its share.
    uint32_t index = s.life.index.load(std::memory_order_relaxed);
    top_index = any && top_index > index ? top_index : index;
    any = true;
    if (&s == &own || status != SlotStatus::active) continue;
    auto state = static_cast<WorkerState>(s.hot.state.load(std::memory_order_relaxed));
    if (state != WorkerState::running) continue;  // booting, or its connections are going
    int64_t n = s.hot.connections.load(std::memory_order_relaxed);
    load.connections += n > 0 ? n : 0;
    ++load.running;
  }
  load.connections += own_conns;
  load.workers = any ? top_index + 1 : 1;
  return load;
}

}  // namespace

bool AcceptBalance::hold(int64_t own, uint64_t now_ns) {
  if (segment_ == nullptr) return false;
  // Below the threshold the answer needs no pool scan: connection-close load (0 or 1 open
  // connection) accepts without reading the other slots.
  if (own < kMinConnectionsToHold) {
    holding_since_ns_ = 0;
    gave_up_ = false;
    return false;
  }
  PoolLoad load = pool_load(*segment_, *own_, own);
  if (!over_fair_share(own, load.connections, load.workers, load.running)) {
    holding_since_ns_ = 0;
    gave_up_ = false;
    return false;
  }
  if (gave_up_) return false;
  if (holding_since_ns_ == 0) holding_since_ns_ = now_ns;
  if (now_ns - holding_since_ns_ < kMaxHoldNs) return true;
  gave_up_ = true;  // nobody came for the share: serve the clients ourselves
  return false;
}

}  // namespace wpm
