#include "bench/bench_run.h"

#include "core/log.h"
#include "loadgen/engine.h"
#include "loadgen/load_spec.h"
#include "loadgen/progress.h"
#include "loadgen/url.h"

namespace wpm::bench {
namespace {

// Paths were checked as they were parsed (cli/): a weight that fails here cannot happen.
void set_paths(const std::vector<std::string>& texts, loadgen::LoadSpec& spec) {
  spec.paths.clear();
  bool weighted = false;
  for (const std::string& text : texts) {
    Result<std::pair<std::string, double>> p = loadgen::split_path_weight(text);
    spec.paths.push_back(p ? p->first : text);
    spec.weights.push_back(p ? p->second : 1.0);
    weighted = weighted || spec.weights.back() != 1.0;
  }
  if (!weighted) spec.weights.clear();  // plain round-robin
}

// "/users/{id}" with n = 7 -> "/users/7": `{name}` segments become a number.
std::string concrete_path(const std::string& route_template, uint64_t n) {
  std::string out;
  size_t at = 0;
  while (at < route_template.size()) {
    size_t open = route_template.find('{', at);
    size_t close = open == std::string::npos ? open : route_template.find('}', open);
    if (close == std::string::npos) break;
    out.append(route_template, at, open - at).append(std::to_string(n));
    at = close + 1;
  }
  return out.append(route_template, at, std::string::npos);
}

// The profile's weighted route mix: a template with parameters becomes kIdsPerTemplate
// concrete paths (ids 1..k, the weight shared), each reported under "METHOD template".
void set_profile_paths(const Profile& profile, loadgen::LoadSpec& spec) {
  constexpr uint64_t kIdsPerTemplate = 16;
  spec.paths.clear();
  for (const Route& r : profile.routes) {
    bool templated = r.path.find('{') != std::string::npos;
    uint64_t ids = templated ? kIdsPerTemplate : 1;
    for (uint64_t id = 1; id <= ids; ++id) {
      spec.paths.push_back(templated ? concrete_path(r.path, id) : r.path);
      spec.weights.push_back(r.weight / static_cast<double>(ids));
      spec.methods.push_back(r.method);
      spec.labels.push_back(r.method + " " + r.path);
    }
  }
}

loadgen::LoadSpec load_spec(const BenchOptions& o) {
  loadgen::LoadSpec spec;
  if (o.profile) set_profile_paths(*o.profile, spec);
  else set_paths(o.paths, spec);
  spec.method = o.method;
  spec.headers = o.headers;
  spec.body = o.body;
  spec.max_requests = o.requests;
  spec.keepalive = o.keepalive;
  spec.connections = o.connections;
  spec.threads = o.client_threads;
  spec.rate = o.rate;
  spec.poisson = o.poisson;
  spec.duration_s = o.duration_s;
  spec.warmup_s = o.warmup_s;
  spec.connect_timeout_s = o.connect_timeout_s;
  spec.request_timeout_s = o.request_timeout_s;
  spec.timeline_interval_s = o.interval_s;
  return spec;
}

}  // namespace

BenchRun::BenchRun(const RunContext& ctx, std::string label, PoolOpener open_pool)
    : ctx_(ctx), open_pool_(std::move(open_pool)) {
  record_.label = std::move(label);
  record_.max_error_ratio = ctx.options.max_error_ratio;
}

BenchRun::~BenchRun() {
  if (schedule_) schedule_->stop();
  if (schedule_thread_.joinable()) schedule_thread_.join();
}

Result<ClassResult> BenchRun::run() {
  if (Status s = open(); !s) return s.error();
  Status measured = measure();
  stop_schedule();
  if (!measured) return measured.error();
  if (pool_) {
    settle();
    if (Status s = pool_->stop(); !s) log_warning(s.error().message);
  }
  return assemble(record_);
}

Status BenchRun::open() {
  if (!open_pool_) {
    record_.target_url = ctx_.options.target;
    return {};
  }
  Result<std::unique_ptr<Pool>> pool = open_pool_();
  if (!pool) return pool.error();
  pool_ = std::move(*pool);
  record_.has_pool = true;
  record_.target_url = pool_->base_url();
  record_.metrics_url = pool_->metrics_url();
  record_.aborts_scheduled = schedule_aborts(ctx_.options.injects);
  schedule_ = std::make_unique<RunSchedule>(*pool_, ctx_.clock, ctx_.options.injects,
                                            ctx_.options.interval_s);
  return {};
}

Status BenchRun::measure() {
  const BenchOptions& o = ctx_.options;
  Result<loadgen::TargetUrl> url = loadgen::parse_target_url(record_.target_url);
  if (!url) return url.error();
  loadgen::LoadSpec spec = load_spec(o);
  spec.host = url->host;
  spec.port = url->port;
  if (!pool_ && !o.profile && o.paths == std::vector<std::string>{"/"}) {
    spec.paths = {url->path};
    spec.weights.clear();
  }
  spec.before_measure = [this] { at_measured_start(); };
  Result<std::unique_ptr<loadgen::LoadRun>> load = loadgen::LoadRun::start(spec);
  if (!load) return load.error();
  drive(**load);
  record_.load = (*load)->wait();
  uint64_t started = record_.load.counts.attempts;
  if (o.requests > 0 && started < o.requests && !record_.load.stopped_early)  // say which limit hit
    log_warning("--requests ", o.requests, ": the measured phase reached --duration first, after ",
                started, " requests");
  return {};
}

// The server's "before" count is read here, with no request in flight, and the schedule's
// clock starts: injections and scrapes count from this moment, as loadgen's timeline does.
void BenchRun::at_measured_start() {
  if (!pool_) return;
  if (Result<PoolMetrics> m = pool_->scrape()) record_.before = std::move(*m);
  if (Result<PoolState> s = pool_->state()) record_.started = s->workers;
  origin_s_ = ctx_.clock.now_s();
  record_.origin_s = origin_s_;
  schedule_thread_ = std::thread([this, origin = *origin_s_] { schedule_->run(origin); });
}

void BenchRun::drive(loadgen::LoadRun& load) {
  loadgen::ProgressLine progress(2, ctx_.options.progress ? loadgen::ProgressMode::automatic
                                                          : loadgen::ProgressMode::off,
                                 record_.label);
  bool stopped = false;
  while (!load.wait_for(0.1)) {
    progress.update(load.progress());
    if (ctx_.interrupted.load() && !stopped) {
      load.stop();
      stopped = true;
    }
  }
  loadgen::Progress last = load.progress();
  progress.finish(&last);
}

// Injections not yet fired are dropped; one waiting for its effect is seen to its end.
void BenchRun::stop_schedule() {
  if (!schedule_) return;
  schedule_->stop();
  if (schedule_thread_.joinable()) schedule_thread_.join();
  record_.injections = schedule_->injections();
  record_.scrapes = schedule_->scrapes();
}

// The server's last increments can trail the client's last response by microseconds:
// re-scrape briefly until the total reaches what the client received.
void BenchRun::settle() {
  double at_least = (record_.before ? record_.before->requests : 0) +
                    static_cast<double>(record_.load.counts.responses);
  Result<PoolMetrics> after = pool_->scrape();
  for (int i = 0; i < 20 && after && after->requests < at_least; ++i) {
    ctx_.clock.sleep_until(ctx_.clock.now_s() + 0.01);
    after = pool_->scrape();
  }
  if (after) {
    if (origin_s_) record_.scrapes.push_back({ctx_.clock.now_s() - *origin_s_, after->requests});
    record_.after = std::move(*after);
  }
  if (Result<PoolState> state = pool_->state()) record_.discovered = state->workers;
}

}  // namespace wpm::bench
