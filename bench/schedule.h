// The measured phase's schedule of a class run, on one Scheduler (scheduler.h): scrapes at
// the interval, and injections that send their signal and then watch for its effect. The jobs
// record typed events that assemble() (run_record.h) turns into the report.
#pragma once

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/pool.h"
#include "bench/scheduler.h"
#include "core/bench_result.h"

namespace wpm::bench {

// sum(requests_total) read at a planned time (seconds since the measured start).
struct ScrapeSample {
  double t_s = 0;
  double requests = 0;
};

struct InjectionRecord {
  InjectSpec spec;
  InjectionOutcome outcome = InjectionOutcome::not_fired;
  InjectionTimes times;  // since the measured start
  int32_t pid = 0;       // who received the signal
  std::string detail;    // what the effect was, or why the signal was not delivered
  // The worker that replaced the signalled one, as the state file showed it when the effect
  // was seen: its WorkerTimes are the master's record of death, spawn and readiness.
  std::optional<WorkerRow> successor;
};

// Scrapes the pool every `interval_s`, starting one interval after the origin.
class ScrapeJob final : public Job {
 public:
  ScrapeJob(Pool& pool, double interval_s, std::vector<ScrapeSample>& out)
      : pool_(pool), interval_s_(interval_s), out_(out) {}
  std::optional<double> step(double now_s) override;

 private:
  Pool& pool_;
  double interval_s_;
  std::vector<ScrapeSample>& out_;
  int ticks_ = 0;  // scrapes done; planned times are multiples of the interval
};

// Fires one injection at its time, then checks the pool every poll_s until the effect shows
// or wait_s passes. `out` starts (and, if the run ends first, stays) not_fired.
class InjectionJob final : public Job {
 public:
  static constexpr double kPollS = 0.02;
  static constexpr double kWaitS = 10;

  InjectionJob(Pool& pool, InjectionRecord& out) : pool_(pool), out_(out) {}
  std::optional<double> step(double now_s) override;
  bool in_progress() const override { return watch_.has_value(); }

 private:
  std::optional<double> fire(double now_s);
  std::optional<double> check(double now_s);

  Pool& pool_;
  InjectionRecord& out_;
  std::optional<supervisor::EffectWatch> watch_;
};

// The injections in time order (ties in the order given) and the scrapes, as one schedule.
class RunSchedule {
 public:
  RunSchedule(Pool& pool, Clock& clock, const std::vector<InjectSpec>& injects, double interval_s);
  RunSchedule(const RunSchedule&) = delete;
  RunSchedule& operator=(const RunSchedule&) = delete;

  // On the calling thread, from `origin_s` (a time of the clock, the measured start) until
  // stop() or `until_s` after it; an injection waiting for its effect is seen to its end.
  void run(double origin_s, double until_s = std::numeric_limits<double>::infinity()) {
    scheduler_.run(origin_s, until_s);
  }
  void stop() { scheduler_.stop(); }  // any thread

  // Read once run() has returned.
  const std::vector<InjectionRecord>& injections() const { return injections_; }
  const std::vector<ScrapeSample>& scrapes() const { return scrapes_; }

 private:
  Scheduler scheduler_;
  std::vector<InjectionRecord> injections_;  // sized once: the jobs keep references
  std::vector<ScrapeSample> scrapes_;
  std::vector<std::unique_ptr<Job>> jobs_;
};

}  // namespace wpm::bench
