// The pool under test, as a class run sees it. OwnPool (own_pool.h) is a `wpm serve` the bench
// starts; a pool started elsewhere can be attached through the same interface. Unit tests
// script one (tests/unit/bench), so the run's logic needs no process.
#pragma once

#include <optional>
#include <string>

#include "bench/options.h"
#include "bench/pool_metrics.h"
#include "core/result.h"
#include "core/state_file.h"
#include "supervisor/control.h"

namespace wpm::bench {

class Pool {
 public:
  virtual ~Pool() = default;
  virtual std::string base_url() const = 0;     // where the load goes, "http://HOST:PORT"
  virtual std::string metrics_url() const = 0;  // its /metrics
  // Called from the run's threads one at a time (the gate, then the scheduler, then the end).
  virtual Result<PoolMetrics> scrape() = 0;
  // Discovery: the master, its live workers' indices and pids.
  virtual Result<PoolState> state() = 0;
  // Sends the injection's signal (to the master, or to the live worker at spec.worker).
  virtual Result<supervisor::Delivery> signal(const InjectSpec& spec) = 0;
  // Ends the pool if the bench owns it; an error describes an unclean end.
  virtual Status stop() = 0;
};

}  // namespace wpm::bench
