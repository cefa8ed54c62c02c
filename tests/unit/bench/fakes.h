// Test doubles for bench/'s seams: a virtual clock and a scripted pool, so schedules run
// without processes, sockets or waiting.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench/clock.h"
#include "bench/pool.h"

namespace wpm::bench::test {

// Virtual time: a wait jumps straight to its deadline.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(double start_s) : now_(start_s) {}
  double now_s() override { return now_; }
  void wait_until(std::unique_lock<std::mutex>&, std::condition_variable&, double deadline_s) override {
    if (deadline_s > now_) now_ = deadline_s;
  }

 private:
  double now_;
};

// A pool of `workers` running workers whose scrapes count `rate` requests per second of the
// clock. A signalled worker leaves `gone_after_s` later with a booting successor at its index,
// which runs `ready_after_s` after the signal; `never_replaced` indices leave no successor.
class FakePool final : public Pool {
 public:
  FakePool(Clock& clock, uint32_t workers, double rate = 100);

  double gone_after_s = 0.05, ready_after_s = 0.1;
  std::vector<uint32_t> never_replaced;
  std::vector<std::pair<double, InjectSpec>> signals;  // (clock time, spec) as received
  std::vector<double> scrape_times;                    // clock times

  std::string base_url() const override { return "http://127.0.0.1:1"; }
  std::string metrics_url() const override { return "http://127.0.0.1:1/metrics"; }
  Result<PoolMetrics> scrape() override;
  Result<PoolState> state() override;
  Result<supervisor::Delivery> signal(const InjectSpec& spec) override;
  Status stop() override { return {}; }

 private:
  struct Change {
    double at_s;
    uint32_t index;
    bool gone;  // else: the successor is ready
  };
  void apply_due_changes();

  Clock& clock_;
  double start_s_, rate_;
  int32_t next_pid_ = 100;
  std::vector<WorkerRow> live_;
  std::vector<Change> changes_;
};

}  // namespace wpm::bench::test
