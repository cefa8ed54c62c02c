#include "cli/bench_command.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/bench_run.h"
#include "cli/push_command.h"
#include "core/log.h"
#include "core/version.h"
#include "reports/console_report.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/prom_report.h"
#include "reports/regression.h"

namespace wpm::cli {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted.store(true); }

std::string self_exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "wpm";
}

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

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return errno_error("writing " + path);
  return {};
}

// Writes the JSON, Prometheus and HTML reports; returns the paths written.
Result<std::vector<std::string>> write_reports(const BenchOptions& o, const BenchResult& r) {
  std::string json = o.json_path.empty() ? o.out_dir + "/report.json" : o.json_path;
  std::string prom = o.prom_path.empty() ? o.out_dir + "/report.prom" : o.prom_path;
  std::string html = o.html_path.empty() ? o.out_dir + "/report.html" : o.html_path;
  const std::pair<std::string, std::string> files[] = {
      {json, render_bench_json(r)}, {prom, render_bench_prometheus(r)}, {html, render_bench_html(r)}};
  std::vector<std::string> written;
  for (const auto& [path, text] : files) {
    if (Status s = write_file(path, text); !s) return s.error();
    written.push_back(path);
  }
  return written;
}

// The gate's verdict: 0, or kExitThreshold with the diff printed; usage errors are returned.
Result<int> apply_gate(const BenchOptions& o, const BenchResult& r) {
  if (o.fail_on.empty()) return kExitOk;
  Result<std::vector<Threshold>> thresholds = parse_fail_on(o.fail_on);
  if (!thresholds) return thresholds.error();
  std::optional<BenchResult> baseline;
  if (!o.baseline.empty()) {
    std::ifstream in(o.baseline);
    if (!in) return Error{"cannot read --baseline " + o.baseline, kExitUsage};
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Result<BenchResult> parsed = parse_bench_json(text);
    if (!parsed) return Error{o.baseline + ": " + parsed.error().message, kExitUsage};
    baseline = std::move(*parsed);
  }
  GateReport gate = regression_gate(r, baseline ? &*baseline : nullptr, *thresholds);
  std::cout << gate.table;
  return gate.passed ? kExitOk : kExitThreshold;
}

BenchResult measure(const BenchOptions& o, const std::string& out_dir, int& exit_code) {
  BenchResult result;
  result.environment = environment();
  result.config = describe(o);
  BenchContext ctx{o, self_exe(), out_dir, g_interrupted};
  std::vector<std::optional<WorkerClass>> runs;
  if (!o.target.empty()) runs.emplace_back(std::nullopt);
  else for (WorkerClass c : o.classes) runs.emplace_back(c);
  for (const auto& c : runs) {
    if (g_interrupted.load()) break;
    log_info("bench: ", c ? std::string(to_string(*c)) + " pool" : "target " + o.target);
    Result<ClassResult> cr = run_class(ctx, c);
    if (!cr) {
      log_error("bench: ", cr.error().message);
      exit_code = cr.error().exit_code;
      continue;
    }
    if (!cr->reconciliation.ok && !g_interrupted.load()) exit_code = kExitThreshold;
    result.classes.push_back(std::move(*cr));
  }
  result.interrupted = g_interrupted.load();
  return result;
}

}  // namespace

void add_bench_command(CLI::App& root, BenchCommand& cmd) {
  cmd.app = root.add_subcommand("bench", "Benchmark worker pools: load, faults, reconciliation, reports");
  cmd.app->add_option("--config", cmd.config_path, "TOML file; flags override it")->check(CLI::ExistingFile);
  add_bench_flags(*cmd.app, cmd.options, cmd.injects, cmd.classes);
}

int run_bench(BenchCommand& cmd) {
  set_log_tag("bench");
  if (Status s = finish_bench_options(cmd.options, cmd.injects, cmd.classes); !s) {
    log_error(s.error().message);
    return s.error().exit_code;
  }
  const BenchOptions& o = cmd.options;
  if (mkdir(o.out_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    log_error(errno_error("creating report directory " + o.out_dir).message);
    return kExitRuntime;
  }
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  int exit_code = kExitOk;
  BenchResult result = measure(o, o.out_dir, exit_code);
  std::cout << render_console(result) << std::flush;
  Result<std::vector<std::string>> written = write_reports(o, result);
  if (!written) {
    log_error(written.error().message);
    return kExitRuntime;
  }
  for (const std::string& path : *written) std::cout << "wrote " << path << "\n";
  if (result.interrupted) {
    log_error("bench: interrupted; the reports hold what was measured");
    return kExitRuntime;
  }
  Result<int> gate = apply_gate(o, result);
  if (!gate) {
    log_error(gate.error().message);
    return gate.error().exit_code;
  }
  if (exit_code == kExitOk) exit_code = *gate;
  if (!o.push_url.empty()) {
    if (Status s = push_bench(o, result); !s) {
      log_error(s.error().message);
      return s.error().exit_code;
    }
  }
  return exit_code;
}

}  // namespace wpm::cli
