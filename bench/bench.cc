#include "bench/bench.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <thread>

#include "bench/bench_run.h"
#include "bench/own_pool.h"
#include "bench/verdict.h"
#include "core/log.h"
#include "core/version.h"

namespace wpm::bench {
namespace {

PoolOpener own_pool(const BenchOptions& o, WorkerClass c) {
  return [&o, c]() -> Result<std::unique_ptr<Pool>> {
    std::string cls(to_string(c));
    OwnPoolSpec spec{self_exe(), "bench-" + cls + "-" + std::to_string(getpid()),
                     o.out_dir + "/pool-" + cls + ".log", serve_args(o, c), o.workers};
    Result<std::unique_ptr<OwnPool>> pool = OwnPool::start(spec);
    if (!pool) return pool.error();
    return std::unique_ptr<Pool>(std::move(*pool));
  };
}

}  // namespace

BenchEnvironment environment() {
  BenchEnvironment env;
  env.wpm_version = std::string(wpm_version());
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  env.hostname = host;
  utsname u{};
  if (uname(&u) == 0) env.kernel = std::string(u.sysname) + " " + u.release;
  env.cpus = std::thread::hardware_concurrency();
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  env.started_utc = stamp;
  return env;
}

Result<BenchOutcome> run_bench(const BenchOptions& o, const std::atomic<bool>& interrupted) {
  if (Status valid = validate(o); !valid) return valid.error();
  if (mkdir(o.out_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return errno_error("creating report directory " + o.out_dir);
  BenchOutcome out;
  out.result.environment = environment();
  out.result.config = o.config;
  out.result.execution = {o.segment.index, o.segment.count, o.inject_from, o.start_at_unix_s, {}};
  SteadyClock clock;
  RunContext ctx{o, interrupted, clock};
  std::vector<std::pair<std::string, PoolOpener>> runs;
  if (!o.target.empty()) runs.emplace_back("target", nullptr);
  else for (WorkerClass c : o.classes) runs.emplace_back(to_string(c), own_pool(o, c));
  std::vector<std::string> failures;  // classes that could not be measured at all
  for (auto& [label, opener] : runs) {
    if (interrupted.load()) break;
    log_info("bench: ", opener ? label + " pool" : "target " + o.target);
    Result<ClassResult> cr = BenchRun(ctx, label, std::move(opener)).run();
    if (!cr) {
      log_error("bench: ", cr.error().message);
      out.exit_code = cr.error().exit_code;
      failures.push_back(label + ": not measured: " + cr.error().message);
      continue;
    }
    if (int code = class_exit_code(*cr, interrupted.load()); code != kExitOk) out.exit_code = code;
    out.result.classes.push_back(std::move(*cr));
  }
  out.result.interrupted = interrupted.load();
  out.result.verdict = judge_run(out.result.classes, failures);
  return out;
}

}  // namespace wpm::bench
