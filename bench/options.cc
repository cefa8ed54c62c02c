#include "bench/options.h"

#include <sstream>

namespace wpm::bench {

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
          {"target", o.target}};
}

}  // namespace wpm::bench
