#include "tests/unit/bench/fakes.h"

#include <algorithm>

namespace wpm::bench::test {

FakePool::FakePool(Clock& clock, uint32_t workers, double rate)
    : clock_(clock), start_s_(clock.now_s()), rate_(rate) {
  for (uint32_t i = 0; i < workers; ++i)
    live_.push_back({i, "worker_" + std::to_string(i + 1) + "_0", next_pid_++, WorkerState::running});
}

Result<PoolMetrics> FakePool::scrape() {
  scrape_times.push_back(clock_.now_s());
  PoolMetrics m;
  m.requests = (clock_.now_s() - start_s_) * rate_;
  return m;
}

void FakePool::apply_due_changes() {
  auto due = [this](const Change& c) { return c.at_s <= clock_.now_s(); };
  for (const Change& c : changes_) {
    if (!due(c)) continue;
    auto at_index = std::find_if(live_.begin(), live_.end(),
                                 [&](const WorkerRow& w) { return w.index == c.index; });
    bool successor = std::find(never_replaced.begin(), never_replaced.end(), c.index) ==
                     never_replaced.end();
    if (c.gone && at_index != live_.end()) {
      live_.erase(at_index);
      if (successor)
        live_.push_back({c.index, "worker_" + std::to_string(next_pid_) + "_1", next_pid_++,
                         WorkerState::booting});
    } else if (!c.gone && at_index != live_.end()) {
      at_index->state = WorkerState::running;
    }
  }
  changes_.erase(std::remove_if(changes_.begin(), changes_.end(), due), changes_.end());
}

Result<PoolState> FakePool::state() {
  apply_due_changes();
  PoolState s;
  s.name = "fake";
  s.master_pid = 1;
  s.workers = live_;
  return s;
}

Result<supervisor::Delivery> FakePool::signal(const InjectSpec& spec) {
  signals.emplace_back(clock_.now_s(), spec);
  Result<PoolState> before = state();
  if (!spec.worker) return supervisor::Delivery{1, "master", clock_.now_s(),
                                                supervisor::EffectWatch::master_signal(spec.signal, *before)};
  for (const WorkerRow& w : live_) {
    if (w.index != *spec.worker) continue;
    changes_.push_back({clock_.now_s() + gone_after_s, w.index, true});
    changes_.push_back({clock_.now_s() + ready_after_s, w.index, false});
    return supervisor::Delivery{w.pid, "worker " + std::to_string(w.index), clock_.now_s(),
                                supervisor::EffectWatch::worker_replaced(w)};
  }
  return Error{"pool 'fake' has no live worker '" + std::to_string(*spec.worker) + "'"};
}

}  // namespace wpm::bench::test
