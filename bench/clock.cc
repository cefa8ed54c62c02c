#include "bench/clock.h"

#include <chrono>

#include "core/clock.h"

namespace wpm::bench {

void Clock::sleep_until(double deadline_s) {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  while (now_s() < deadline_s) wait_until(lock, cv, deadline_s);
}

double SteadyClock::now_s() { return ns_to_seconds(monotonic_ns()); }

void SteadyClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                             double deadline_s) {
  double left = deadline_s - now_s();
  if (left > 0) cv.wait_for(lock, std::chrono::duration<double>(left));
}

}  // namespace wpm::bench
