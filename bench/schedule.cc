#include "bench/schedule.h"

#include <algorithm>

namespace wpm::bench {
namespace {

// The live worker at `index` that replaced `pid`: by the master's record, else by position.
std::optional<WorkerRow> successor_of(const PoolState& state, uint32_t index, int32_t pid) {
  for (const WorkerRow& w : state.workers)
    if (w.times.replaced_pid == pid) return w;
  for (const WorkerRow& w : state.workers)
    if (w.index == index && w.pid != pid) return w;
  return std::nullopt;
}

}  // namespace

std::optional<double> ScrapeJob::step(double /*now_s*/) {
  double planned = ++ticks_ * interval_s_;
  // A failed scrape leaves a gap: the next sample's delta covers both intervals.
  if (Result<PoolMetrics> m = pool_.scrape()) out_.push_back({planned, m->requests});
  return planned + interval_s_;
}

std::optional<double> InjectionJob::step(double now_s) {
  return watch_ ? check(now_s) : fire(now_s);
}

std::optional<double> InjectionJob::fire(double now_s) {
  out_.times.signal_sent = now_s;
  Result<supervisor::Delivery> sent = pool_.signal(out_.spec);
  if (!sent) {
    out_.outcome = InjectionOutcome::not_delivered;
    out_.detail = sent.error().message;
    return std::nullopt;
  }
  out_.pid = sent->pid;
  out_.outcome = InjectionOutcome::no_effect_timeout;  // until the effect shows
  watch_ = sent->watch;
  return now_s + kPollS;
}

std::optional<double> InjectionJob::check(double now_s) {
  Result<PoolState> state = pool_.state();
  std::optional<supervisor::Effect> effect = watch_->check(state ? &*state : nullptr, now_s);
  const supervisor::Effect& seen = effect ? *effect : watch_->seen();
  out_.times.worker_gone = seen.worker_gone_s;
  out_.times.replacement_spawned = seen.replacement_spawned_s;
  out_.times.replacement_ready = seen.replacement_ready_s;
  if (effect) {
    if (state && out_.spec.worker) out_.successor = successor_of(*state, *out_.spec.worker, out_.pid);
    out_.outcome = InjectionOutcome::effect_seen;
    out_.detail = effect->text;
    out_.times.effect_seen = now_s;
  } else if (now_s - *out_.times.signal_sent < kWaitS) {
    return now_s + kPollS;
  }
  watch_.reset();
  return std::nullopt;
}

RunSchedule::RunSchedule(Pool& pool, Clock& clock, const std::vector<InjectSpec>& injects,
                         double interval_s)
    : scheduler_(clock) {
  std::vector<InjectSpec> order = injects;
  std::stable_sort(order.begin(), order.end(),
                   [](const InjectSpec& a, const InjectSpec& b) { return a.at_s < b.at_s; });
  injections_.resize(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    injections_[i].spec = order[i];
    jobs_.push_back(std::make_unique<InjectionJob>(pool, injections_[i]));
    scheduler_.add(*jobs_.back(), order[i].at_s);
  }
  jobs_.push_back(std::make_unique<ScrapeJob>(pool, interval_s, scrapes_));
  scheduler_.add(*jobs_.back(), interval_s);
}

}  // namespace wpm::bench
