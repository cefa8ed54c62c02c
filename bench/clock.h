// The clock a bench run keeps its schedule on. The seam lets unit tests run a schedule in
// virtual time (tests/unit/bench), while a real run uses CLOCK_MONOTONIC.
#pragma once

#include <condition_variable>
#include <mutex>

namespace wpm::bench {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now_s() = 0;  // monotonic seconds
  // Blocks on `cv` (whose mutex `lock` holds) until `deadline_s`, a notification or a spurious
  // wake-up; callers re-check their condition.
  virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          double deadline_s) = 0;
  // Sleeps until `deadline_s` with nothing to wake it earlier.
  void sleep_until(double deadline_s);
};

// CLOCK_MONOTONIC (core/clock.h), the clock of loadgen's measured start.
class SteadyClock final : public Clock {
 public:
  double now_s() override;
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  double deadline_s) override;
};

}  // namespace wpm::bench
