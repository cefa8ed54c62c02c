#include "bench/run_record.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/verdict.h"
#include "bench/worker_rows.h"

namespace wpm::bench {
namespace {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

uint64_t count_of(double v) { return v > 0 ? static_cast<uint64_t>(std::llround(v)) : 0; }

std::string effect_text(const InjectionRecord& r, const InjectionTimes& t) {
  switch (r.outcome) {
    case InjectionOutcome::effect_seen:
      if (t.exact && t.replacement_ready && t.signal_sent)
        return r.detail + ", ready " + seconds_text(*t.replacement_ready - *t.signal_sent) +
               " s after the signal (the master's times)";
      return r.detail + " in " + seconds_text(*r.times.effect_seen - *r.times.signal_sent) + " s";
    case InjectionOutcome::no_effect_timeout:
      return "timed out after " + seconds_text(InjectionJob::kWaitS) +
             " s waiting for the signal's effect";
    case InjectionOutcome::not_delivered: return r.detail;
    case InjectionOutcome::not_fired: break;
  }
  return "not fired (the run ended first)";
}

// The successor's row: the final state file's (it may have served its first request since),
// else the one seen with the effect.
std::optional<WorkerRow> successor(const RunRecord& run, const InjectionRecord& r) {
  for (const WorkerRow& w : run.discovered)
    if ((r.successor && w.worker_id == r.successor->worker_id) || (r.pid != 0 && w.times.replaced_pid == r.pid))
      return w;
  return r.successor;
}

// The polled times, replaced by the master's own where it recorded them (core/worker_times.h).
InjectionTimes exact_times(const RunRecord& run, const InjectionRecord& r) {
  InjectionTimes t = r.times;
  std::optional<WorkerRow> next = successor(run, r);
  if (!next || !run.origin_s || next->times.spawn_ns == 0) return t;
  auto since_origin = [&](uint64_t ns) -> std::optional<double> {
    if (ns == 0) return std::nullopt;
    return static_cast<double>(ns) / 1e9 - *run.origin_s;
  };
  const WorkerTimes& w = next->times;
  if (w.replaced_pid == r.pid && w.replaced_death_ns != 0) t.worker_gone = since_origin(w.replaced_death_ns);
  t.replacement_spawned = since_origin(w.spawn_ns);
  t.replacement_ready = since_origin(w.ready_ns);
  t.first_request = since_origin(w.first_request_ns);
  t.exact = true;
  return t;
}

InjectedEvent event_of(const RunRecord& run, const InjectionRecord& r) {
  InjectedEvent e;
  e.at_s = r.spec.at_s;
  e.fired_s = r.times.signal_sent.value_or(0);
  e.signal = std::string(to_string(r.spec.signal));
  e.target = r.spec.worker ? "worker=" + std::to_string(*r.spec.worker) : "master";
  e.pid = r.pid;
  e.delivered = r.outcome == InjectionOutcome::effect_seen ||
                r.outcome == InjectionOutcome::no_effect_timeout;
  e.times = exact_times(run, r);
  e.effect = effect_text(r, e.times);
  e.outcome = r.outcome;
  return e;
}

// Each scrape's increase goes to the timeline point its planned time closes: the last point
// that starts before it. So the points sum to the server's total over the run.
void fill_server_timeline(const RunRecord& r, std::vector<TimelinePoint>& timeline) {
  if (!r.before || timeline.empty()) return;
  double last = r.before->requests;
  for (const ScrapeSample& s : r.scrapes) {
    size_t i = 0;
    while (i + 1 < timeline.size() && timeline[i + 1].t_s < s.t_s - 1e-9) ++i;
    timeline[i].server_requests += count_of(s.requests - last);
    last = std::max(last, s.requests);
  }
}

std::map<std::string, uint64_t> restart_deltas(const PoolMetrics& before, const PoolMetrics& after) {
  std::map<std::string, uint64_t> out;
  for (const auto& [reason, value] : after.master_restarts) {
    auto it = before.master_restarts.find(reason);
    double delta = value - (it == before.master_restarts.end() ? 0 : it->second);
    if (delta > 0) out[reason] = count_of(delta);
  }
  return out;
}

void fill_server_side(const RunRecord& r, ClassResult& c) {
  if (!r.before || !r.after) {
    c.reconciliation.verdict = "MISMATCH: could not scrape " + r.metrics_url;
    return;
  }
  c.final_scrape = r.after->text;
  c.master_restarts = restart_deltas(*r.before, *r.after);
  uint64_t server = count_of(r.after->requests - r.before->requests);
  c.reconciliation =
      reconcile(c.responses, r.load.sent_no_response(), server, r.aborts_scheduled);
  c.reconciliation.server_before = r.before->requests;
  c.reconciliation.server_after = r.after->requests;
  c.reconciliation.before_unix_s = r.before_unix_s;
  c.reconciliation.after_unix_s = r.after_unix_s;
  c.workers = worker_rows(r);
}

}  // namespace

ClassResult assemble(const RunRecord& r) {
  ClassResult c;
  c.worker_class = r.label;
  c.target_url = r.target_url;
  loadgen::fill_class_result(r.load, c);
  c.measured_start_unix_s = r.measured_start_unix_s;
  if (r.start_at_unix_s && r.measured_start_unix_s > 0) c.start_offset_s = r.measured_start_unix_s - *r.start_at_unix_s;
  for (const InjectionRecord& i : r.injections) c.events.push_back(event_of(r, i));
  if (!r.has_pool) {
    c.reconciliation.verdict = "not applicable: --target has no server-side counts";
    c.reconciliation.ok = true;
  } else {
    fill_server_timeline(r, c.timeline);
    fill_server_side(r, c);
  }
  c.verdict = judge_class(c, r.max_error_ratio);
  return c;
}

bool schedule_aborts(const std::vector<InjectSpec>& injects) {
  for (const InjectSpec& i : injects)
    if (i.signal == ControlSignal::abort || i.signal == ControlSignal::kill ||
        i.signal == ControlSignal::int_)
      return true;
  return false;
}

int class_exit_code(const ClassResult& result, bool interrupted) {
  return !result.verdict.passed && !interrupted ? kExitThreshold : kExitOk;
}

}  // namespace wpm::bench
