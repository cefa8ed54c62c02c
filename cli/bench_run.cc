#include "cli/bench_run.h"

#include <unistd.h>

#include <cmath>
#include <mutex>

#include "cli/bench_inject.h"
#include "cli/pool_process.h"
#include "cli/scrape.h"
#include "core/clock.h"
#include "core/log.h"
#include "loadgen/engine.h"
#include "loadgen/progress.h"
#include "loadgen/url.h"

namespace wpm::cli {
namespace {

constexpr const char* kPrefix = "gunicorn";  // the pools bench starts use the default prefix

loadgen::LoadSpec load_spec(const BenchOptions& o) {
  loadgen::LoadSpec spec;
  spec.paths = o.paths;
  spec.keepalive = o.keepalive;
  spec.connections = o.connections;
  spec.threads = o.client_threads;
  spec.rate = o.rate;
  spec.poisson = o.poisson;
  spec.duration_s = o.duration_s;
  spec.warmup_s = o.warmup_s;
  spec.connect_timeout_s = o.connect_timeout_s;
  spec.request_timeout_s = o.request_timeout_s;
  return spec;
}

std::vector<std::string> pool_args(const BenchOptions& o, WorkerClass c) {
  std::vector<std::string> args{"--worker-class", std::string(to_string(c)),
                                "--workers", std::to_string(o.workers),
                                "--threads", std::to_string(o.threads),
                                "--worker-connections", std::to_string(o.worker_connections),
                                "--timeout", std::to_string(o.worker_timeout_s),
                                "--graceful-timeout", "10", "--log-level", "warning"};
  if (!o.metrics) args.emplace_back("--no-metrics");
  return args;
}

bool schedule_aborts(const std::vector<InjectSpec>& injects) {
  for (const InjectSpec& i : injects)
    if (i.signal == ControlSignal::abort || i.signal == ControlSignal::kill ||
        i.signal == ControlSignal::int_)
      return true;
  return false;
}

// Scrapes once a second during the measured phase: server-side requests per second.
class TimelineScraper {
 public:
  void start(std::string url, std::function<double()> measured_start_s) {
    ticker_.start([this, url, measured_start_s] {
      double start = 0;
      while ((start = measured_start_s()) == 0)
        if (!ticker_.sleep_until(ns_to_seconds(monotonic_ns()) + 0.01)) return;
      Result<ScrapeTotals> first = scrape(url, kPrefix);
      double last = first ? first->requests : 0;
      for (int second = 1;; ++second) {
        if (!ticker_.sleep_until(start + second)) return;
        Result<ScrapeTotals> now = scrape(url, kPrefix);
        if (!now) continue;
        std::lock_guard lock(mu_);
        per_second_.push_back(static_cast<uint64_t>(std::max(0.0, now->requests - last)));
        last = now->requests;
      }
    });
  }
  std::vector<uint64_t> finish() {
    ticker_.stop();
    std::lock_guard lock(mu_);
    return per_second_;
  }

 private:
  Ticker ticker_;
  std::mutex mu_;
  std::vector<uint64_t> per_second_;
};

// The server finishes its count just after writing the response, so the very last increments
// can trail the client by microseconds: re-scrape briefly until the total stops short of it.
Result<ScrapeTotals> settled_scrape(const std::string& url, double at_least) {
  Result<ScrapeTotals> totals = scrape(url, kPrefix);
  for (int i = 0; i < 20 && totals && totals->requests < at_least; ++i) {
    usleep(10'000);
    totals = scrape(url, kPrefix);
  }
  return totals;
}

std::vector<WorkerFinal> final_workers(const PoolState& state, const ScrapeTotals& scraped) {
  std::vector<WorkerFinal> out;
  for (const WorkerStatusRow& w : state.workers) {
    WorkerFinal f{w.worker_id, w.index, w.state, w.requests, w.rss_bytes, w.cpu_percent, 0};
    auto it = scraped.cpu_seconds.find(w.worker_id);
    if (it != scraped.cpu_seconds.end()) f.cpu_seconds = it->second;
    out.push_back(f);
  }
  return out;
}

void drive(const BenchContext& ctx, loadgen::LoadRun& run, const std::string& label) {
  loadgen::ProgressLine progress(2, ctx.options.progress ? loadgen::ProgressMode::automatic
                                                         : loadgen::ProgressMode::off,
                                 label);
  bool stopped = false;
  while (!run.wait_for(0.1)) {
    progress.update(run.progress());
    if (ctx.interrupted.load() && !stopped) {
      run.stop();
      stopped = true;
    }
  }
  loadgen::Progress last = run.progress();
  progress.finish(&last);
}

}  // namespace

Reconciliation reconcile(uint64_t completed, uint64_t failed, uint64_t server_delta,
                         bool aborts_injected) {
  Reconciliation r{completed, failed, server_delta, aborts_injected, false, ""};
  uint64_t diff = completed > server_delta ? completed - server_delta : server_delta - completed;
  std::string counts = "client " + std::to_string(completed) + " responses, server " +
                       std::to_string(server_delta) + " requests";
  if (!aborts_injected) {
    r.ok = diff == 0;
    r.verdict = r.ok ? "reconciled: " + counts
                     : "MISMATCH: " + counts + " (difference " + std::to_string(diff) + ")";
  } else {
    r.ok = diff <= failed;
    r.verdict = (r.ok ? "reconciled with aborts: " : "MISMATCH with aborts: ") + counts +
                ", difference " + std::to_string(diff) +
                (r.ok ? " within " : " exceeds ") + std::to_string(failed) +
                " requests the client saw fail";
  }
  return r;
}

namespace {

Result<PoolProcess> start_pool(const BenchContext& ctx, WorkerClass c) {
  std::string cls(to_string(c));
  std::string name = "bench-" + cls + "-" + std::to_string(getpid());
  Result<PoolProcess> pool = PoolProcess::start(ctx.self_exe, name, pool_args(ctx.options, c),
                                                ctx.out_dir + "/pool-" + cls + ".log");
  if (!pool) return pool.error();
  if (Result<PoolState> ready = pool->wait_ready(ctx.options.workers, 60); !ready)
    return ready.error();
  return pool;
}

// Runs the load against `cr.target_url`, firing the injections and scraping the timeline when a
// pool is under test; fills the client side of `cr`.
Result<loadgen::LoadResult> measure(const BenchContext& ctx, const PoolProcess* pool,
                                    std::optional<ScrapeTotals>& before, ClassResult& cr) {
  const BenchOptions& o = ctx.options;
  Result<loadgen::TargetUrl> url = loadgen::parse_target_url(cr.target_url);
  if (!url) return url.error();
  loadgen::LoadSpec spec = load_spec(o);
  spec.host = url->host;
  spec.port = url->port;
  if (!pool && o.paths == std::vector<std::string>{"/"}) spec.paths = {url->path};
  std::string metrics_url = pool ? pool->metrics_url() : "";
  if (pool)
    spec.before_measure = [&before, metrics_url] {
      if (Result<ScrapeTotals> t = scrape(metrics_url, kPrefix)) before = *t;
    };
  Result<std::unique_ptr<loadgen::LoadRun>> run = loadgen::LoadRun::start(spec);
  if (!run) return run.error();
  auto measured_start = [r = run->get()] { return r->measured_start_monotonic_s(); };
  Injector injector(pool ? o.injects : std::vector<InjectSpec>{}, pool ? pool->name() : "");
  TimelineScraper timeline;
  injector.start(measured_start);
  if (pool) timeline.start(metrics_url, measured_start);
  drive(ctx, **run, cr.worker_class);
  loadgen::LoadResult result = (*run)->wait();
  cr.events = injector.finish();
  std::vector<uint64_t> server_seconds = timeline.finish();
  loadgen::fill_class_result(result, cr);
  for (size_t i = 0; i < cr.timeline.size() && i < server_seconds.size(); ++i)
    cr.timeline[i].server_requests = server_seconds[i];
  return result;
}

// The server side after the run: final scrape, restarts, reconciliation, final worker figures.
void settle_pool_side(const BenchOptions& o, const PoolProcess& pool,
                      const std::optional<ScrapeTotals>& before, uint64_t sent_no_response,
                      ClassResult& cr) {
  double expected = (before ? before->requests : 0) + static_cast<double>(cr.responses);
  Result<ScrapeTotals> after = settled_scrape(pool.metrics_url(), expected);
  if (!after || !before) {
    cr.reconciliation.verdict = "MISMATCH: could not scrape " + pool.metrics_url();
    return;
  }
  cr.final_scrape = after->text;
  for (const auto& [reason, value] : after->master_restarts) {
    auto it = before->master_restarts.find(reason);
    double delta = value - (it == before->master_restarts.end() ? 0 : it->second);
    if (delta > 0) cr.master_restarts[reason] = static_cast<uint64_t>(delta);
  }
  auto server = static_cast<uint64_t>(std::llround(after->requests - before->requests));
  cr.reconciliation = reconcile(cr.responses, sent_no_response, server, schedule_aborts(o.injects));
  if (Result<PoolState> state = read_state_file(pool.name()))
    cr.workers = final_workers(*state, *after);
}

}  // namespace

Result<ClassResult> run_class(const BenchContext& ctx, std::optional<WorkerClass> worker_class) {
  ClassResult cr;
  std::optional<PoolProcess> pool;
  if (worker_class) {
    cr.worker_class = std::string(to_string(*worker_class));
    Result<PoolProcess> started = start_pool(ctx, *worker_class);
    if (!started) return started.error();
    pool.emplace(std::move(*started));
    cr.target_url = pool->base_url();
  } else {
    cr.worker_class = "target";
    cr.target_url = ctx.options.target;
  }
  std::optional<ScrapeTotals> before;
  Result<loadgen::LoadResult> result = measure(ctx, pool ? &*pool : nullptr, before, cr);
  if (!result) return result.error();
  if (!pool) {
    cr.reconciliation.verdict = "not applicable: --target has no server-side counts";
    cr.reconciliation.ok = true;
    cr.reconciliation.client_completed = cr.responses;
    return cr;
  }
  settle_pool_side(ctx.options, *pool, before, result->sent_no_response(), cr);
  int status = pool->stop(15);
  if (status != 0)
    log_warning("pool ", pool->name(), " exited with status ", status, "; see ", pool->log_path());
  return cr;
}

}  // namespace wpm::cli
