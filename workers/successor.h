// Pre-started successors for max_requests. A worker a quarter of its max_requests short of the
// limit asks the master, once, to start its successor: the replacement boots while this worker
// still serves, so recycling never leaves the pool a worker short (an exec and start-up take
// milliseconds, while a busy worker serves its last requests in less). The master retires the
// asking worker (QUIT, reason max_requests) as soon as the successor runs, unless it reached
// max_requests and left first. See supervisor/pool_succession.cc.
#pragma once

#include <cstdint>

#include "core/shm_layout.h"

namespace wpm {

// Below this limit a worker is recycled after its exit, as in Gunicorn: a successor per
// handful of requests would double the process churn it is meant to hide.
inline constexpr uint64_t kMinRequestsForSuccessor = 16;

// The count at which a worker with this (jittered) max_requests asks for its successor;
// 0 = never (no limit, or a limit below kMinRequestsForSuccessor).
constexpr uint64_t successor_threshold(uint64_t max_requests) {
  return max_requests < kMinRequestsForSuccessor ? 0 : max_requests - max_requests / 4;
}

class SuccessorRequest {
 public:
  SuccessorRequest() = default;
  // `notify_fd` is the pool's readiness eventfd (kept open for this; owned from here on).
  SuccessorRequest(uint64_t max_requests, int notify_fd, SlotHot* hot)
      : at_(successor_threshold(max_requests)), fd_(notify_fd), hot_(hot) {}
  SuccessorRequest(SuccessorRequest&& other) noexcept { *this = std::move(other); }
  SuccessorRequest& operator=(SuccessorRequest&& other) noexcept;
  SuccessorRequest(const SuccessorRequest&) = delete;
  SuccessorRequest& operator=(const SuccessorRequest&) = delete;
  ~SuccessorRequest();

  // With the worker's request count after each request it takes on (any thread; exactly one
  // caller sees the threshold): one compare on the hot path.
  void on_count(uint64_t count) {
    if (count == at_ && at_ != 0) request();
  }

 private:
  void request();
  uint64_t at_ = 0;
  int fd_ = -1;
  SlotHot* hot_ = nullptr;
};

}  // namespace wpm
