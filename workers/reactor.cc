#include "workers/reactor.h"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <cstring>
#include <string>

#include "core/clock.h"

namespace wpm::aio {
namespace {

constexpr uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
constexpr uint32_t kWriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;

}  // namespace

Status Reactor::open() {
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) return errno_error("epoll_create1");
  now_ns_ = monotonic_ns();
  return {};
}

Status Reactor::add(FdWatch& watch) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = &watch;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, watch.fd, &ev) != 0)
    return errno_error("epoll_ctl(ADD, fd " + std::to_string(watch.fd) + ")");
  return {};
}

Status Reactor::add_level(FdWatch& watch, bool exclusive) {
  epoll_event ev{};
  ev.events = EPOLLIN | (exclusive ? EPOLLEXCLUSIVE : 0u);
  ev.data.ptr = &watch;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, watch.fd, &ev) != 0)
    return errno_error("epoll_ctl(ADD, fd " + std::to_string(watch.fd) + ")");
  return {};
}

void Reactor::remove(FdWatch& watch) {
  // Closing a connection removes it by itself; this is for fds that stay open (listen).
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, watch.fd, nullptr);
  watch.ready[0] = watch.ready[1] = false;
}

void Reactor::suspend(Wait& wait, Task* task, int dir_or_none, uint64_t deadline_ns) {
  wait.task = task;
  if (dir_or_none >= 0) wait.watch.waiter[dir_or_none] = task;
  if (deadline_ns != 0) arm(wait.timer, deadline_ns, task);
}

void Reactor::settle(Wait& wait) {
  wait.watch.waiter[0] = wait.watch.waiter[1] = nullptr;
  disarm(wait.timer);
  wait.task = nullptr;
}

void Reactor::cancel(Wait& wait) {
  Task* task = wait.task;
  if (task == nullptr) return;
  settle(wait);
  task->wake(WaitResult::cancelled);
}

void Reactor::arm(Timer& timer, uint64_t deadline_ns, Task* task) {
  disarm(timer);
  timer.deadline_ns = deadline_ns;
  timer.task = task;
  timer.heap_index = heap_.size();
  heap_.push_back(&timer);
  sift_up(timer.heap_index);
}

void Reactor::disarm(Timer& timer) {
  if (!timer.armed()) return;
  size_t i = timer.heap_index;
  size_t last = heap_.size() - 1;
  if (i != last) heap_swap(i, last);
  heap_.pop_back();
  timer.heap_index = Timer::kIdle;
  if (i < heap_.size()) {
    sift_down(i);
    sift_up(i);
  }
}

uint64_t Reactor::refresh_now() { return now_ns_ = monotonic_ns(); }

Status Reactor::poll(int max_wait_ms) {
  uint64_t wait_ns = static_cast<uint64_t>(max_wait_ms) * 1'000'000;
  if (!heap_.empty()) {
    uint64_t due = heap_.front()->deadline_ns;
    uint64_t now = refresh_now();
    wait_ns = std::min(wait_ns, due <= now ? 0 : due - now);
  }
  int n = wait(wait_ns);
  if (n < 0 && errno != EINTR) return errno_error("epoll_wait");
  refresh_now();
  for (int i = 0; i < n; ++i) dispatch(events_[static_cast<size_t>(i)]);
  fire_due_timers();
  return {};
}

int Reactor::wait(uint64_t wait_ns) {
  int size = static_cast<int>(events_.size());
  if (precise_wait_) {
    // Nanosecond timeouts (Linux 5.11): a /sleep/50 wakes at 50 ms, not up to 51.
    timespec ts{static_cast<time_t>(wait_ns / 1'000'000'000),
                static_cast<long>(wait_ns % 1'000'000'000)};
    int n = epoll_pwait2(epoll_.get(), events_.data(), size, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    precise_wait_ = false;
  }
  // Round up: waking a little late is fine, waking early spins until the deadline.
  int wait_ms = static_cast<int>((wait_ns + 999'999) / 1'000'000);
  return epoll_wait(epoll_.get(), events_.data(), size, wait_ms);
}

void Reactor::dispatch(const epoll_event& event) {
  auto* watch = static_cast<FdWatch*>(event.data.ptr);
  bool readable = (event.events & kReadEvents) != 0;
  bool writable = (event.events & kWriteEvents) != 0;
  if (readable) watch->ready[0] = true;
  if (writable) watch->ready[1] = true;
  // A task waits on one direction at a time; whoever it is, it is woken once. Freeing a
  // connection is deferred to the loop, so `watch` stays valid across the wake.
  for (int d = 0; d < 2; ++d) {
    if (!watch->ready[d] || watch->waiter[d] == nullptr) continue;
    Task* task = watch->waiter[d];
    watch->waiter[d] = nullptr;
    task->wake(WaitResult::ready);
  }
}

void Reactor::fire_due_timers() {
  while (!heap_.empty() && heap_.front()->deadline_ns <= now_ns_) {
    Timer* timer = heap_.front();
    disarm(*timer);
    // Tasks never re-arm a deadline that has already passed, so this loop ends.
    timer->task->wake(WaitResult::timeout);
  }
}

void Reactor::heap_swap(size_t a, size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_[a]->heap_index = a;
  heap_[b]->heap_index = b;
}

void Reactor::sift_up(size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (heap_[parent]->deadline_ns <= heap_[i]->deadline_ns) return;
    heap_swap(i, parent);
    i = parent;
  }
}

void Reactor::sift_down(size_t i) {
  for (;;) {
    size_t smallest = i;
    for (size_t c = 2 * i + 1; c <= 2 * i + 2 && c < heap_.size(); ++c)
      if (heap_[c]->deadline_ns < heap_[smallest]->deadline_ns) smallest = c;
    if (smallest == i) return;
    heap_swap(i, smallest);
    i = smallest;
  }
}

}  // namespace wpm::aio
