#include "bench/options.h"

#include "reports/regression.h"

namespace wpm::bench {

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
  if (!o.target.empty() && !o.injects.empty())
    return usage("--inject needs a pool to signal, and --target runs none; drop --inject or --target");
  if (!(o.interval_s >= 0.01 && o.interval_s <= 60))
    return usage("--interval must be between 10ms and 60s");
  if (!(o.max_error_ratio >= 0 && o.max_error_ratio <= 1))
    return usage("--max-error-ratio must be between 0 and 1 (e.g. 0.01 for 1%)");
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
