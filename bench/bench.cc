#include "bench/bench.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <thread>

#include "bench/bench_run.h"
#include "bench/external_pool.h"
#include "bench/own_pool.h"
#include "bench/slo.h"
#include "bench/verdict.h"
#include "core/format.h"
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

// One class: a single run, or with --slo the search for its highest rate within the objective
// (a closed-loop probe and open-loop steps, each on a fresh pool).
Result<ClassResult> run_class(const BenchOptions& o, const std::atomic<bool>& interrupted,
                              Clock& clock, const std::string& label, const PoolOpener& opener) {
  if (o.slo.empty()) return BenchRun(RunContext{o, interrupted, clock}, label, opener).run();
  Result<SloObjective> objective = parse_slo(o.slo);
  if (!objective) return objective.error();
  auto at_rate = [&](double rate) -> Result<ClassResult> {
    BenchOptions step = o;
    step.rate = rate;
    log_info("bench: ", label, rate > 0 ? " at " + format_fixed(rate, 1) + " req/s" : " probe",
             " (--slo ", o.slo, ")");
    return BenchRun(RunContext{step, interrupted, clock}, label, opener).run();
  };
  return search_slo(*objective, o.slo_steps, at_rate, interrupted);
}

// With --slo: the class to pick; a run where no class met the objective fails (exit 3).
void recommend_class(const BenchOptions& o, BenchOutcome& out) {
  Result<SloObjective> objective = parse_slo(o.slo);
  if (!objective || out.result.classes.empty()) return;
  Recommendation rec = recommend(out.result.classes, *objective, o.workers, o.threads);
  if (rec.worker_class.empty() && !out.result.interrupted) {
    out.result.verdict.passed = false;
    out.result.verdict.reasons.push_back("no class met the SLO '" + o.slo + "' at any rate tried");
    out.exit_code = kExitThreshold;
  }
  out.result.recommendation = std::move(rec);
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
  std::vector<std::pair<std::string, PoolOpener>> runs;
  if (attaches_pool(o)) runs.emplace_back("target", [&o] { return attach_pool(o); });
  else if (!o.target.empty()) runs.emplace_back("target", nullptr);
  else for (WorkerClass c : o.classes) runs.emplace_back(to_string(c), own_pool(o, c));
  std::vector<std::string> failures;  // classes that could not be measured at all
  for (auto& [label, opener] : runs) {
    if (interrupted.load()) break;
    log_info("bench: ", opener && !attaches_pool(o) ? label + " pool" : "target " + o.target);
    Result<ClassResult> cr = run_class(o, interrupted, clock, label, opener);
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
  if (!o.slo.empty()) recommend_class(o, out);
  return out;
}

}  // namespace wpm::bench
