// LoadRun: reading the threads — live progress while running, the merged result at the end.
#include <algorithm>
#include <cmath>

#include "core/clock.h"
#include "loadgen/client_thread.h"
#include "loadgen/engine.h"
#include "loadgen/run_shared.h"

namespace wpm::loadgen {

Progress LoadRun::progress() const {
  const RunShared& shared = *shared_;
  Progress p;
  p.target_rate = shared.spec.rate;
  uint64_t now = monotonic_ns();
  bool measured = shared.measured.load(std::memory_order_acquire);
  uint64_t start = measured ? shared.measured_start_ns.load(std::memory_order_acquire) : shared.start_ns;
  p.elapsed_s = ns_to_seconds(now - std::min(now, start));
  p.duration_s = measured ? shared.spec.duration_s : shared.spec.warmup_s;
  bool all_finished = true;
  for (const auto& client : clients_) {
    const LiveCounters& live = client->live();
    p.completed += live.completed.load(std::memory_order_relaxed);
    p.errors += live.errors.load(std::memory_order_relaxed);
    p.sent += live.sent.load(std::memory_order_relaxed);
    p.in_flight += live.in_flight.load(std::memory_order_relaxed);
    all_finished = all_finished && live.finished.load(std::memory_order_acquire);
  }
  if (all_finished) p.phase = Progress::Phase::done;
  else if (!measured) p.phase = Progress::Phase::warmup;
  else p.phase = p.elapsed_s < p.duration_s ? Progress::Phase::measuring : Progress::Phase::draining;
  if (!measured) return p;
  RecentWindow last_second = recent(1.0);
  p.window = last_second.complete;
  p.rate = last_second.rate;
  p.p99_s = last_second.p99_s;
  return p;
}

RecentWindow LoadRun::recent(double seconds) const {
  const RunShared& shared = *shared_;
  RecentWindow w;
  if (!shared.measured.load(std::memory_order_acquire) || clients_.empty()) return w;
  uint64_t now = monotonic_ns();
  uint64_t start = shared.measured_start_ns.load(std::memory_order_acquire);
  double elapsed_s = ns_to_seconds(now - std::min(now, start));
  uint64_t sealed = UINT64_MAX;
  for (const auto& client : clients_)
    sealed = std::min(sealed, client->live().sealed.load(std::memory_order_acquire));
  // The intervals every thread has sealed are final, safe to read here.
  double interval = shared.spec.timeline_interval_s;
  uint64_t end = std::min<uint64_t>(sealed, static_cast<uint64_t>(elapsed_s / interval));
  uint64_t count = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(seconds / interval)));
  if (end < count) return w;
  CoarseHistogram merged(kHourNs, kCoarsePrecisionBits);
  for (const auto& client : clients_) {
    for (uint64_t s = end - count; s < end; ++s) {
      const SecondSlot& slot = client->slot(std::min<size_t>(s, client->slot_count() - 1));
      merged.merge(slot.latency);
      w.completed += slot.completed;
    }
  }
  w.complete = true;
  w.seconds = static_cast<double>(count) * interval;
  w.rate = static_cast<double>(w.completed) / w.seconds;
  std::vector<uint64_t> ps = merged.percentiles({50, 99});
  w.p50_s = ns_to_seconds(ps[0]);
  w.p99_s = ns_to_seconds(ps[1]);
  return w;
}

LoadResult LoadRun::merge() const {
  const RunShared& shared = *shared_;
  LoadResult r;
  r.measured = shared.measured.load();
  r.stopped_early = shared.stop.load();
  r.target_rate = shared.spec.rate;
  r.connections = shared.spec.connections;
  r.threads = static_cast<uint32_t>(clients_.size());
  r.interval_s = shared.spec.timeline_interval_s;
  r.paths = shared.spec.labels.empty() ? shared.spec.paths : shared.spec.labels;
  r.tls_protocol = shared.tls_probe.protocol;
  r.tls_cipher = shared.tls_probe.cipher;
  r.path_latency.resize(shared.mix.requests.size());
  uint64_t window_end = 0, drain_end = 0;
  for (const auto& client : clients_) {
    r.counts.add(client->counts);
    r.warmup_counts.add(client->warmup_counts);
    r.latency.merge(client->latency);
    r.service.merge(client->service);
    r.queue.merge(client->queue);
    for (size_t i = 0; i < r.path_latency.size(); ++i) r.path_latency[i].merge(client->path_latency[i]);
    window_end = std::max(window_end, client->window_end_ns);
    drain_end = std::max(drain_end, client->drain_end_ns);
  }
  if (!r.measured) {  // stopped during warm-up: what was counted belongs to the warm-up
    r.warmup_counts.add(r.counts);
    r.counts = Counts{};
    return r;
  }
  uint64_t start = shared.measured_start_ns.load();
  r.duration_s = ns_to_seconds(window_end - std::min(window_end, start));
  r.drain_s = ns_to_seconds(drain_end - std::min(drain_end, window_end));
  r.timeline = merge_timeline(r.duration_s);
  return r;
}

std::vector<TimelinePoint> LoadRun::merge_timeline(double duration_s) const {
  size_t slots = clients_.empty() ? 0 : clients_.front()->slot_count();
  double interval = shared_->spec.timeline_interval_s;
  size_t used = static_cast<size_t>(std::ceil(duration_s / interval - 1e-9));
  for (size_t s = 0; s < slots; ++s) {
    for (const auto& client : clients_) {
      if (client->slot(s).completed + client->slot(s).errors > 0) used = std::max(used, s + 1);
    }
  }
  used = std::min(used, slots);
  std::vector<TimelinePoint> timeline(used);
  CoarseHistogram merged(kHourNs, kCoarsePrecisionBits);
  for (size_t s = 0; s < used; ++s) {
    merged.reset();
    TimelinePoint& point = timeline[s];
    point.t_s = static_cast<double>(s) * interval;
    for (const auto& client : clients_) {
      point.completed += client->slot(s).completed;
      point.errors += client->slot(s).errors;
      merged.merge(client->slot(s).latency);
    }
    point.p99_s = ns_to_seconds(merged.percentile(99));
  }
  return timeline;
}

}  // namespace wpm::loadgen
