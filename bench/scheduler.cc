#include "bench/scheduler.h"

namespace wpm::bench {

void Scheduler::add(Job& job, double due_s) {
  std::lock_guard lock(mu_);
  queue_.emplace(due_s, &job);
}

// Times are compared as clock readings (origin + offset), so a virtual clock that jumps to
// exactly the deadline it was given always satisfies the comparison.
void Scheduler::run(double origin_s, double until_s) {
  std::unique_lock lock(mu_);
  for (;;) {
    bool ending = stopped_ || clock_.now_s() >= origin_s + until_s;
    if (ending) drop_idle_jobs();
    if (queue_.empty()) return;
    auto next = queue_.begin();
    double due = origin_s + next->first;
    double wake = ending ? due : std::min(due, origin_s + until_s);
    if (clock_.now_s() < wake) {
      clock_.wait_until(lock, cv_, wake);  // stop() wakes it early; the loop re-checks
      continue;
    }
    if (clock_.now_s() < due) continue;  // woke for the end, not for a job
    Job* job = next->second;
    queue_.erase(next);
    lock.unlock();
    std::optional<double> again = job->step(clock_.now_s() - origin_s);
    lock.lock();
    if (again) queue_.emplace(*again, job);
  }
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

void Scheduler::drop_idle_jobs() {
  for (auto it = queue_.begin(); it != queue_.end();)
    it = it->second->in_progress() ? std::next(it) : queue_.erase(it);
}

}  // namespace wpm::bench
