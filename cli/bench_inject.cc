#include "cli/bench_inject.h"

#include <algorithm>
#include <chrono>

#include "cli/pool_control.h"
#include "core/clock.h"

namespace wpm::cli {

bool Ticker::sleep_until(double deadline_s) {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    double now = ns_to_seconds(monotonic_ns());
    if (now >= deadline_s) return true;
    cv_.wait_for(lock, std::chrono::duration<double>(std::min(deadline_s - now, 0.05)));
  }
  return false;
}

void Ticker::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Injector::Injector(std::vector<InjectSpec> schedule, std::string pool_name)
    : schedule_(std::move(schedule)), pool_name_(std::move(pool_name)) {
  std::sort(schedule_.begin(), schedule_.end(),
            [](const InjectSpec& a, const InjectSpec& b) { return a.at_s < b.at_s; });
}

void Injector::start(std::function<double()> measured_start_s) {
  if (schedule_.empty()) return;
  ticker_.start([this, measured_start_s] { run(measured_start_s); });
}

void Injector::run(const std::function<double()>& measured_start_s) {
  double start = 0;
  while ((start = measured_start_s()) == 0)
    if (!ticker_.sleep_until(ns_to_seconds(monotonic_ns()) + 0.01)) return;
  for (const InjectSpec& spec : schedule_) {
    if (!ticker_.sleep_until(start + spec.at_s)) return;
    events_.push_back(fire(spec, start));
  }
}

InjectedEvent Injector::fire(const InjectSpec& spec, double start_s) {
  InjectedEvent e;
  e.at_s = spec.at_s;
  e.signal = std::string(to_string(spec.signal));
  e.target = spec.worker ? "worker=" + std::to_string(*spec.worker) : "master";
  e.fired_s = ns_to_seconds(monotonic_ns()) - start_s;
  SignalRequest req;
  req.pool.name = pool_name_;
  req.signal = spec.signal;
  if (spec.worker) req.worker = std::to_string(*spec.worker);
  req.wait = true;
  req.wait_timeout_s = 10;
  Result<SignalOutcome> out = send_signal(req);
  if (!out) {
    e.effect = out.error().message;
    e.delivered = out.error().message.find("timed out") != std::string::npos;
    return e;
  }
  e.pid = out->pid;
  e.delivered = true;
  char waited[32];
  std::snprintf(waited, sizeof waited, "%.3f", out->waited_s);
  e.effect = out->effect + " in " + waited + " s";
  return e;
}

std::vector<InjectedEvent> Injector::finish() {
  ticker_.stop();
  for (size_t i = events_.size(); i < schedule_.size(); ++i) {
    InjectedEvent e;
    e.at_s = schedule_[i].at_s;
    e.signal = std::string(to_string(schedule_[i].signal));
    e.target = schedule_[i].worker ? "worker=" + std::to_string(*schedule_[i].worker) : "master";
    e.effect = "not fired (the run ended first)";
    events_.push_back(e);
  }
  return events_;
}

}  // namespace wpm::cli
