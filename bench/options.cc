#include "bench/options.h"

#include "reports/regression.h"

namespace wpm::bench {

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
  if (!o.fail_on.empty())
    if (Result<std::vector<Threshold>> t = parse_fail_on(o.fail_on); !t) return t.error();
  return {};
}

}  // namespace wpm::bench
