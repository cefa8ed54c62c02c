#include "bench/bench_run.h"

#include <algorithm>

#include "bench/live_push.h"
#include "bench/start_at.h"
#include "core/clock.h"
#include "core/format.h"
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
  // This process's share of the scenario (the whole of it for segment 0/1).
  spec.segment = o.segment;
  spec.max_requests = loadgen::segment_share(o.requests, o.segment);
  spec.keepalive = o.keepalive;
  spec.connections = static_cast<uint32_t>(loadgen::segment_share(o.connections, o.segment));
  spec.threads = std::min(o.client_threads, spec.connections);
  spec.rate = loadgen::segment_rate(o.rate, o.segment);
  spec.poisson = o.poisson;
  spec.duration_s = o.duration_s;
  spec.warmup_s = o.warmup_s;
  spec.connect_timeout_s = o.connect_timeout_s;
  spec.request_timeout_s = o.request_timeout_s;
  spec.timeline_interval_s = o.interval_s;
  return spec;
}

// https: what was negotiated and how often sessions were resumed (close mode reconnects).
void log_tls(const loadgen::LoadResult& r) {
  if (r.tls_protocol.empty()) return;
  const loadgen::Counts& c = r.counts;
  log_info("TLS: ", r.tls_protocol, " ", r.tls_cipher, "; ", c.tls_handshakes, " handshakes (",
           c.tls_resumed, " resumed), ", c.tls, " failed");
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
  spec.tls = url->https;
  spec.tls_verify = !o.insecure;
  spec.ca_file = o.ca_file;
  if (!o.target.empty() && !o.profile && o.paths == std::vector<std::string>{"/"}) {  // the URL's own path
    spec.paths = {url->path};
    spec.weights.clear();
  }
  extend_warmup(spec);
  spec.before_measure = [this] { at_measured_start(); };
  Result<std::unique_ptr<loadgen::LoadRun>> load = loadgen::LoadRun::start(spec);
  if (!load) return load.error();
  std::unique_ptr<LivePusher> live = start_live_push(**load);
  drive(**load);
  record_.load = (*load)->wait();
  log_tls(record_.load);
  // The measured start on the wall clock: the monotonic instant, shifted by the offset
  // between the two clocks read now (no step of the wall clock can move it afterwards).
  double start_mono = (*load)->measured_start_monotonic_s();
  if (start_mono > 0) record_.measured_start_unix_s = unix_seconds() - (ns_to_seconds(monotonic_ns()) - start_mono);
  record_.start_at_unix_s = o.start_at_unix_s;
  if (o.start_at_unix_s && start_mono > 0)
    log_info("bench: measured start ", format_fixed((record_.measured_start_unix_s - *o.start_at_unix_s) * 1e3, 3),
             " ms after --start-at");
  if (live) finish_live_push(*live);
  uint64_t started = record_.load.counts.attempts;
  if (spec.max_requests > 0 && started < spec.max_requests && !record_.load.stopped_early)  // say which limit hit
    log_warning("--requests ", spec.max_requests, ": the measured phase reached --duration first, after ",
                started, " requests");
  return {};
}

// With --start-at and a warm-up, the warm-up lasts until just before the instant (at least
// --warmup): an idle wait instead would let the server's keep-alive timeout close the warm
// connections, and the first measured requests would fail on them.
void BenchRun::extend_warmup(loadgen::LoadSpec& spec) const {
  const BenchOptions& o = ctx_.options;
  if (!o.start_at_unix_s || o.warmup_s <= 0) return;
  double left_s = *o.start_at_unix_s - unix_seconds() - kStartAtGateS;
  if (left_s > 0) spec.warmup_until_ns = monotonic_ns() + static_cast<uint64_t>(left_s * 1e9);
}

// The server's "before" count is read here, with no request in flight, and the schedule's
// clock starts: injections and scrapes count from this moment, as loadgen's timeline does.
// With --start-at, the wait for the instant comes last, after the scrape: nothing is in
// flight, and the measured phase begins as the wait ends.
void BenchRun::at_measured_start() {
  if (pool_) {
    if (Result<PoolMetrics> m = pool_->scrape()) record_.before = std::move(*m);
    record_.before_unix_s = unix_seconds();
    if (Result<PoolState> s = pool_->state()) record_.started = s->workers;
  }
  if (ctx_.options.start_at_unix_s) {
    if (unix_seconds() > *ctx_.options.start_at_unix_s)
      log_warning("--start-at: the warm-up ended after the instant; this generator starts late");
    // In steps, so that Ctrl-C during a long wait ends the run instead of waiting it out.
    double at = *ctx_.options.start_at_unix_s;
    // No spinning at the end: several generators on few cores would take turns spinning
    // and start later than a sleeper woken by its timer (timer slack is 1 ns here).
    while (!ctx_.interrupted.load() && unix_seconds() < at) sleep_until_unix(std::min(at, unix_seconds() + 0.1));
  }
  if (!pool_) return;
  origin_s_ = ctx_.clock.now_s();
  record_.origin_s = origin_s_;
  schedule_thread_ = std::thread([this, origin = *origin_s_] { schedule_->run(origin); });
}

// Live pushes run beside the load on their own thread; the sampler reads loadgen's lock-free
// counters, so the load's threads never wait for the gateway.
std::unique_ptr<LivePusher> BenchRun::start_live_push(const loadgen::LoadRun& load) {
  const BenchOptions& o = ctx_.options;
  if (o.push_live_interval_s <= 0) return nullptr;
  auto sampler = [&load, label = record_.label, window = o.push_live_interval_s,
                  segment = o.segment]() -> std::optional<LiveSample> {
    std::optional<LiveSample> s = sample_load(load, label, window);
    if (s) s->segment_index = segment.index, s->segment_count = segment.count;
    return s;
  };
  auto live = std::make_unique<LivePusher>(ctx_.clock, live_push_target(o), o.push_live_interval_s,
                                           std::move(sampler));
  live->start();
  return live;
}

void BenchRun::finish_live_push(LivePusher& live) {
  LiveSample last = final_sample(record_.load, record_.label);
  last.segment_index = ctx_.options.segment.index;
  last.segment_count = ctx_.options.segment.count;
  live.finish(last);
  LivePushStats stats = live.stats();
  if (std::string warning = live_push_warning(stats); !warning.empty()) log_warning(warning);
  else log_info("live push: ", stats.pushes, " samples pushed as instance ", live_instance(ctx_.options));
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
    record_.after_unix_s = unix_seconds();
    if (origin_s_) record_.scrapes.push_back({ctx_.clock.now_s() - *origin_s_, after->requests});
    record_.after = std::move(*after);
  }
  if (Result<PoolState> state = pool_->state()) record_.discovered = state->workers;
}

}  // namespace wpm::bench
