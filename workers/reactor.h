// The epoll reactor under the eventlet and gevent workers: fd readiness plus a timer heap,
// on one thread. It knows nothing of HTTP, coroutines or fibers: whatever waits is a Task
// (a suspended coroutine in eventlet, a green thread in gevent) that the reactor wakes with
// the outcome of its wait.
//
// Connection fds are registered once, edge-triggered for both directions, and readiness is
// kept as a sticky flag per direction: I/O is tried first, and only an EAGAIN clears the flag
// and makes a task wait for the next edge. That costs one epoll_ctl per connection instead of
// one per wait (the way nginx and tokio drive their sockets).
//
// Every suspension goes through one Wait (the one thing a connection waits on at a time: an
// fd direction, a deadline, or both), so the loop can cancel it from outside — how a
// stopping worker wakes idle connections to close them.
#pragma once

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace wpm::aio {

enum class WaitResult : uint8_t { ready, timeout, cancelled };
enum class Dir : uint8_t { read = 0, write = 1 };

// What the reactor wakes. wake() runs the task until it suspends again or finishes.
class Task {
 public:
  virtual void wake(WaitResult result) = 0;

 protected:
  ~Task() = default;
};

struct Timer {
  static constexpr size_t kIdle = SIZE_MAX;
  uint64_t deadline_ns = 0;
  size_t heap_index = kIdle;
  Task* task = nullptr;
  bool armed() const { return heap_index != kIdle; }
};

// One registered fd. ready[] is sticky readiness, waiter[] the task parked on a direction.
struct FdWatch {
  int fd = -1;
  bool ready[2] = {false, false};
  Task* waiter[2] = {nullptr, nullptr};
  bool is_ready(Dir d) const { return ready[static_cast<int>(d)]; }
  // An I/O call said EAGAIN (or a short read drained the socket): wait for the next edge.
  void not_ready(Dir d) { ready[static_cast<int>(d)] = false; }
};

// The single suspension point of a connection's task.
struct Wait {
  FdWatch watch;
  Timer timer;
  Task* task = nullptr;  // set while suspended
  bool suspended() const { return task != nullptr; }
};

class Reactor {
 public:
  Reactor() = default;
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  Status open();
  // A connection: edge-triggered in + out + rdhup; ready[] starts false (epoll reports the
  // current state right after the add).
  Status add(FdWatch& watch);
  // The listen socket and the signal eventfd: level-triggered reads. exclusive adds
  // EPOLLEXCLUSIVE so one idle worker of the pool wakes per new connection, not all.
  Status add_level(FdWatch& watch, bool exclusive);
  void remove(FdWatch& watch);

  // Parks task on wait: on the fd direction (when dir_or_none >= 0) and/or until deadline_ns
  // (when non-zero). The task then suspends; the reactor calls task->wake() exactly once.
  void suspend(Wait& wait, Task* task, int dir_or_none, uint64_t deadline_ns);
  // Called by the woken task: undoes whatever half of the wait did not fire.
  void settle(Wait& wait);
  // Wakes a suspended wait from the loop with WaitResult::cancelled.
  void cancel(Wait& wait);

  void arm(Timer& timer, uint64_t deadline_ns, Task* task);
  void disarm(Timer& timer);
  size_t timers() const { return heap_.size(); }

  // Waits up to max_wait_ms (less when a timer is due sooner), wakes the tasks whose fds
  // became ready, then the tasks whose deadlines passed. EINTR is not an error.
  Status poll(int max_wait_ms);
  // Monotonic time of the last poll (or refresh): what deadlines are computed from.
  uint64_t now() const { return now_ns_; }
  uint64_t refresh_now();

 private:
  int wait(uint64_t wait_ns);  // epoll_pwait2, or epoll_wait on kernels without it
  void dispatch(const epoll_event& event);
  void fire_due_timers();
  void heap_swap(size_t a, size_t b);
  void sift_up(size_t i);
  void sift_down(size_t i);

  UniqueFd epoll_;
  std::vector<Timer*> heap_;  // min-heap on deadline_ns, each timer knows its index
  std::vector<epoll_event> events_ = std::vector<epoll_event>(256);
  uint64_t now_ns_ = 0;
  bool precise_wait_ = true;
};

}  // namespace wpm::aio
