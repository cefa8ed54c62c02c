// The fault-injection schedule of a bench run: each --inject fires at its time after the
// measured phase began, through the same code as `wpm signal`, and records what it did.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/bench_options.h"
#include "core/bench_result.h"

namespace wpm::cli {

// A background thread that runs `tick` at a period (or once at given offsets) until stopped.
class Ticker {
 public:
  Ticker() = default;
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;
  ~Ticker() { stop(); }
  void start(std::function<void()> body) { thread_ = std::thread(std::move(body)); }
  // Sleeps until `deadline_s` (monotonic seconds) or stop(); false when stopped.
  bool sleep_until(double deadline_s);
  void stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::thread thread_;
};

class Injector {
 public:
  Injector(std::vector<InjectSpec> schedule, std::string pool_name);
  // Starts firing; `measured_start_s` returns the monotonic start of the measured phase
  // (0 while warming up).
  void start(std::function<double()> measured_start_s);
  // Stops and returns what happened (events not reached are listed as not delivered).
  std::vector<InjectedEvent> finish();

 private:
  void run(const std::function<double()>& measured_start_s);
  InjectedEvent fire(const InjectSpec& spec, double start_s);

  std::vector<InjectSpec> schedule_;
  std::string pool_name_;
  std::vector<InjectedEvent> events_;
  Ticker ticker_;
};

}  // namespace wpm::cli
