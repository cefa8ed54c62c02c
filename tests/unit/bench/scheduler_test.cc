#include "bench/scheduler.h"

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/bench/fakes.h"

namespace wpm::bench {
namespace {

using test::ManualClock;

struct Log {
  std::vector<std::pair<std::string, double>> steps;  // (job name, time since origin)
};

// Runs `times` times, every `period_s`; in progress between its first and last step if asked.
class Recorder final : public Job {
 public:
  Recorder(Log& log, std::string name, int times, double period_s, bool holds = false)
      : log_(log), name_(std::move(name)), left_(times), period_s_(period_s), holds_(holds) {}
  std::optional<double> step(double now_s) override {
    log_.steps.emplace_back(name_, now_s);
    started_ = true;
    if (--left_ == 0) return std::nullopt;
    return now_s + period_s_;
  }
  bool in_progress() const override { return holds_ && started_ && left_ > 0; }

 private:
  Log& log_;
  std::string name_;
  int left_;
  double period_s_;
  bool holds_;
  bool started_ = false;
};

class Stopper final : public Job {
 public:
  explicit Stopper(Scheduler& s) : s_(s) {}
  std::optional<double> step(double) override {
    s_.stop();
    return std::nullopt;
  }

 private:
  Scheduler& s_;
};

TEST(Scheduler, RunsJobsInTimeOrderOnItsClock) {
  ManualClock clock(50);
  Scheduler s(clock);
  Log log;
  Recorder every_second(log, "tick", 3, 1.0), once_late(log, "late", 1, 0), once_early(log, "early", 1, 0);
  s.add(every_second, 1.0);
  s.add(once_late, 2.5);
  s.add(once_early, 0.5);
  s.run(50);
  using Step = std::pair<std::string, double>;
  EXPECT_EQ(log.steps, (std::vector<Step>{{"early", 0.5}, {"tick", 1.0}, {"tick", 2.0},
                                          {"late", 2.5}, {"tick", 3.0}}));
  EXPECT_EQ(clock.now_s(), 53.0);  // nothing left after the last tick: run() returned
}

TEST(Scheduler, EqualTimesKeepTheOrderJobsWereAdded) {
  ManualClock clock(0);
  Scheduler s(clock);
  Log log;
  Recorder b(log, "b", 1, 0), a(log, "a", 1, 0), c(log, "c", 1, 0);
  s.add(b, 1);
  s.add(a, 1);
  s.add(c, 1);
  s.run(0);
  ASSERT_EQ(log.steps.size(), 3u);
  EXPECT_EQ(log.steps[0].first, "b");
  EXPECT_EQ(log.steps[1].first, "a");
  EXPECT_EQ(log.steps[2].first, "c");
}

TEST(Scheduler, AtTheEndOnlyJobsInProgressGoOn) {
  ManualClock clock(10);
  Scheduler s(clock);
  Log log;
  Recorder scrape(log, "scrape", 100, 1.0);
  Recorder watch(log, "watch", 4, 0.5, /*holds=*/true);  // starts at 1.5, ends at 3.0
  Recorder unfired(log, "unfired", 1, 0);
  s.add(scrape, 1.0);
  s.add(watch, 1.5);
  s.add(unfired, 2.5);
  s.run(10, /*until_s=*/2.2);
  using Step = std::pair<std::string, double>;
  EXPECT_EQ(log.steps, (std::vector<Step>{{"scrape", 1.0}, {"watch", 1.5}, {"scrape", 2.0},
                                          {"watch", 2.0}, {"watch", 2.5}, {"watch", 3.0}}));
}

TEST(Scheduler, StopDropsWhatHasNotStarted) {
  ManualClock clock(0);
  Scheduler s(clock);
  Log log;
  Recorder before(log, "before", 1, 0), after(log, "after", 1, 0);
  Stopper stop(s);
  s.add(before, 1);
  s.add(stop, 2);
  s.add(after, 3);
  s.run(0);
  ASSERT_EQ(log.steps.size(), 1u);
  EXPECT_EQ(log.steps[0].first, "before");
  EXPECT_EQ(clock.now_s(), 2.0);  // did not wait for the dropped job's time
}

// The real clock, announcing its first wait: the scheduler holds its lock until the wait
// releases it, so a stop() issued after the announcement reaches a run() that is waiting.
class AnnouncingClock final : public Clock {
 public:
  std::promise<void> waiting;
  double now_s() override { return inner_.now_s(); }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  double deadline_s) override {
    if (!announced_) waiting.set_value();
    announced_ = true;
    inner_.wait_until(lock, cv, deadline_s);
  }

 private:
  SteadyClock inner_;
  bool announced_ = false;
};

TEST(Scheduler, StopWakesAWaitingRun) {
  AnnouncingClock clock;
  Scheduler s(clock);
  Log log;
  Recorder far(log, "far", 1, 0);
  s.add(far, 3600);
  std::future<void> waiting = clock.waiting.get_future();
  std::thread runner([&] { s.run(clock.now_s()); });
  waiting.wait();
  s.stop();
  runner.join();  // would take an hour if stop() did not wake the wait
  EXPECT_TRUE(log.steps.empty());
}

}  // namespace
}  // namespace wpm::bench
