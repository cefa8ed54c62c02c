#include "bench/options.h"

#include <sstream>

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
  if (!o.fail_on.empty())
    if (Result<std::vector<Threshold>> t = parse_fail_on(o.fail_on); !t) return t.error();
  return {};
}

std::map<std::string, std::string> describe(const BenchOptions& o) {
  auto num = [](double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
  };
  std::vector<std::string> classes, injects;
  for (WorkerClass c : o.classes) classes.emplace_back(to_string(c));
  for (const InjectSpec& i : o.injects) injects.push_back(i.text);
  return {{"worker_classes", o.target.empty() ? join(classes) : "target"},
          {"workers", std::to_string(o.workers)},
          {"threads", std::to_string(o.threads)},
          {"duration_s", num(o.duration_s)},
          {"warmup_s", num(o.warmup_s)},
          {"connections", std::to_string(o.connections)},
          {"client_threads", std::to_string(o.client_threads)},
          {"rate", num(o.rate)},
          {"arrivals", o.poisson ? "poisson" : "constant"},
          {"keepalive", o.keepalive ? "true" : "false"},
          {"metrics", o.metrics ? "true" : "false"},
          {"paths", join(o.paths)},
          {"injects", join(injects)},
          {"target", o.target},
          {"interval_s", num(o.interval_s)},
          {"max_error_ratio", num(o.max_error_ratio)}};
}

}  // namespace wpm::bench
