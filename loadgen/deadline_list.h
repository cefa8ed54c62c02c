// Intrusive FIFO of connection deadlines. Every entry of one list has the same timeout and is
// appended when armed, so deadlines are non-decreasing front to back: arming, disarming and
// finding the earliest are all O(1) — no heap, no allocation, no scan of all connections.
#pragma once

#include <cstdint>
#include <vector>

namespace wpm::loadgen {

class DeadlineList {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  explicit DeadlineList(uint32_t capacity) : nodes_(capacity) {}

  void arm(uint32_t id, uint64_t deadline_ns) {
    Node& n = nodes_[id];
    if (n.armed) disarm(id);
    n = Node{tail_, kNone, deadline_ns, true};
    if (tail_ != kNone) nodes_[tail_].next = id;
    else head_ = id;
    tail_ = id;
  }
  void disarm(uint32_t id) {
    Node& n = nodes_[id];
    if (!n.armed) return;
    if (n.prev != kNone) nodes_[n.prev].next = n.next;
    else head_ = n.next;
    if (n.next != kNone) nodes_[n.next].prev = n.prev;
    else tail_ = n.prev;
    n.armed = false;
  }
  bool empty() const { return head_ == kNone; }
  uint32_t front() const { return head_; }
  uint64_t front_deadline() const { return nodes_[head_].deadline_ns; }

 private:
  struct Node {
    uint32_t prev = kNone, next = kNone;
    uint64_t deadline_ns = 0;
    bool armed = false;
  };
  std::vector<Node> nodes_;
  uint32_t head_ = kNone, tail_ = kNone;
};

}  // namespace wpm::loadgen
