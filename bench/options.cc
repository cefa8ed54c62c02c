#include "bench/options.h"

#include "bench/external_pool.h"
#include "bench/proc_pool.h"
#include "bench/slo.h"
#include "reports/regression.h"

namespace wpm::bench {
namespace {

// A worker=K beyond the live workers of the pool now (plus one per TTIN injected) can never
// be signalled: said before the run, not as an undelivered injection after it.
Status check_inject_indices(const BenchOptions& o, size_t live) {
  size_t most = live;
  for (const InjectSpec& i : o.injects) most += i.signal == ControlSignal::ttin;
  for (const InjectSpec& i : o.injects)
    if (i.worker && *i.worker >= most)
      return Error{"--inject '" + i.text + "': the attached pool has " + std::to_string(live) +
                       " live workers (indices from 0)", kExitUsage};
  return {};
}

Status validate_attached_pool(const BenchOptions& o) {
  auto usage = [](std::string text) { return Error{std::move(text), kExitUsage}; };
  if (o.pool_pid != 0 && !o.pool_name.empty())
    return usage("--pool-pid, --pool-name: give one of them");
  if (!attaches_pool(o)) {
    if (!o.pool_metrics.empty()) return usage("--pool-metrics needs --pool-pid or --pool-name");
    return {};
  }
  if (o.pool_pid != 0) {
    if (o.target.empty()) return usage("--pool-pid needs --target URL (where the pool serves)");
    if (o.pool_metrics.empty())
      return usage("--pool-pid needs --pool-metrics URL (the pool's Prometheus endpoint, for "
                   "reconciliation)");
    if (std::string why = master_problem(o.pool_pid); !why.empty())
      return usage("--pool-pid " + std::to_string(o.pool_pid) + ": " + why);
    return check_inject_indices(o, live_children(o.pool_pid).size());
  }
  if (prefix_of_requests_metric(o.requests_metric).empty())
    return usage("--requests-metric '" + o.requests_metric + "': a wpm pool (--pool-name) " +
                 "names it PREFIX_worker_requests_total");
  Result<PoolState> s = read_state_file(o.pool_name);
  if (!s) return usage("--pool-name: " + s.error().message);
  size_t live = 0;
  for (const WorkerRow& w : s->workers) live += w.state != WorkerState::exited;
  return check_inject_indices(o, live);
}

}  // namespace

namespace {

// Each segment must be able to run its share: no segment without connections, none left
// without requests when --requests limits the scenario.
Status validate_segment(const BenchOptions& o) {
  auto usage = [](std::string text) { return Error{std::move(text), kExitUsage}; };
  const loadgen::ExecutionSegment& seg = o.segment;
  std::string name = "--segment " + seg.text() + ": ";
  if (o.inject_from >= seg.count)
    return usage("--inject-from " + std::to_string(o.inject_from) + ": no such segment (--segment " +
                 seg.text() + " has segments 0 to " + std::to_string(seg.count - 1) + ")");
  if (loadgen::segment_share(o.connections, seg) == 0)
    return usage(name + std::to_string(o.connections) + " connections over " + std::to_string(seg.count) +
                 " segments leave this one none; use at least " + std::to_string(seg.count) + " connections");
  if (o.requests > 0 && loadgen::segment_share(o.requests, seg) == 0)
    return usage(name + "--requests " + std::to_string(o.requests) + " over " + std::to_string(seg.count) +
                 " segments leaves this one none");
  if (o.start_at_unix_s && o.target.empty() && o.classes.size() != 1)
    return usage("--start-at aligns one measured phase: use --target or a single --worker-class");
  return {};
}

}  // namespace

Status validate(const BenchOptions& o) {
  auto usage = [](std::string text) { return Error{std::move(text), kExitUsage}; };
  if (Status s = validate_attached_pool(o); !s) return s;
  if (!o.target.empty() && !o.injects.empty() && !attaches_pool(o))
    return usage("--inject needs a pool to signal, and --target runs none; name the pool behind "
                 "it with --pool-pid or --pool-name, or drop --inject");
  if (!(o.interval_s >= 0.01 && o.interval_s <= 60))
    return usage("--interval must be between 10ms and 60s");
  if (!(o.max_error_ratio >= 0 && o.max_error_ratio <= 1))
    return usage("--max-error-ratio must be between 0 and 1 (e.g. 0.01 for 1%)");
  if (!o.slo.empty()) {
    if (Result<SloObjective> slo = parse_slo(o.slo); !slo) return slo.error();
    if (o.rate > 0) return usage("--slo searches the rate itself; drop --rate");
    if (o.requests > 0) return usage("--slo runs each step for --duration; drop --requests");
  }
  if (o.push_live_interval_s > 0 && o.push_url.empty())
    return usage("--push-live-interval needs --push-url (the Pushgateway to push to)");
  if (o.push_live_interval_s > 0 && o.push_live_interval_s < 0.1)
    return usage("--push-live-interval must be 0 (off) or at least 100ms");
  for (const std::string& label : o.push_labels)
    if (o.push_live_interval_s > 0 && label.rfind("instance=", 0) == 0)
      return usage("--push-label '" + label + "': live pushes add 'instance' to the grouping key; name the generator with --push-instance");
  if (Status s = validate_segment(o); !s) return s;
  if (!o.fail_on.empty())
    if (Result<std::vector<Threshold>> t = parse_fail_on(o.fail_on); !t) return t.error();
  return {};
}

}  // namespace wpm::bench
