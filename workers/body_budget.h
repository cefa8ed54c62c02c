// A worker's budget for request bodies buffered at once, across all its concurrent requests
// (max_body_buffer): bodies are buffered whole, so without it N concurrent 60 MiB uploads
// would cost an eventlet or gevent worker N × 60 MiB. A request whose body does not fit what
// is left is refused with 413 as its headers end (before its body is read), and the worker
// lives. Shared by the threads of a thread worker: an atomic.
#pragma once

#include <atomic>
#include <cstdint>

namespace wpm::http {

class BodyBudget {
 public:
  explicit BodyBudget(uint64_t cap) : cap_(cap) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  // Takes n bytes if they fit; false (nothing taken) otherwise.
  bool take(uint64_t n) {
    uint64_t used = used_.load(std::memory_order_relaxed);
    do {
      if (n > cap_ || used > cap_ - n) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  void give(uint64_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t cap() const { return cap_; }

 private:
  std::atomic<uint64_t> used_{0};
  uint64_t cap_;
};

}  // namespace wpm::http
