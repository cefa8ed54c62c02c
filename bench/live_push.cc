#include "bench/live_push.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "core/clock.h"
#include "core/prom_text.h"
#include "loadgen/engine.h"
#include "loadgen/load_result.h"

namespace wpm::bench {
namespace {

constexpr double kMaxLiveTimeoutS = 1;

void gauge(std::string& out, std::string_view name, std::string_view help,
           const LiveSample& s, double value) {
  append_family_header(out, name, help, "gauge");
  SampleLine(out, name).label("class", s.worker_class).value(value);
}

void latency(std::string& out, const LiveSample& s) {
  constexpr std::string_view name = "wpm_bench_live_latency_seconds";
  append_family_header(out, name,
                       "Latency from the intended send time over the last interval, by quantile",
                       "gauge");
  SampleLine(out, name).label("class", s.worker_class).label("quantile", "0.5").value(s.p50_s);
  SampleLine(out, name).label("class", s.worker_class).label("quantile", "0.99").value(s.p99_s);
}

std::vector<std::pair<std::string, std::string>> split_labels(const std::vector<std::string>& texts) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& t : texts) {  // checked as K=V when parsed (cli/)
    size_t eq = t.find('=');
    if (eq != std::string::npos) out.emplace_back(t.substr(0, eq), t.substr(eq + 1));
  }
  return out;
}

}  // namespace

std::optional<LiveSample> sample_load(const loadgen::LoadRun& load, const std::string& worker_class,
                                      double window_s) {
  if (load.measured_start_monotonic_s() == 0) return std::nullopt;
  loadgen::Progress p = load.progress();
  LiveSample s;
  s.worker_class = worker_class;
  s.running = p.phase != loadgen::Progress::Phase::done;
  s.elapsed_s = p.elapsed_s;
  s.requests = p.completed;
  s.errors = p.errors;
  s.in_flight = p.in_flight;
  loadgen::RecentWindow w = load.recent(window_s);
  s.window = w.complete;
  s.window_s = w.seconds;
  s.rate = w.rate;
  s.p50_s = w.p50_s;
  s.p99_s = w.p99_s;
  return s;
}

LiveSample final_sample(const loadgen::LoadResult& r, const std::string& worker_class) {
  LiveSample s;
  s.worker_class = worker_class;
  s.running = false;
  s.elapsed_s = r.duration_s + r.drain_s;
  s.requests = r.counts.responses;
  s.errors = r.counts.errors();
  s.window = r.measured && r.duration_s > 0;
  s.window_s = r.duration_s;
  s.rate = r.achieved_rate();
  s.p50_s = ns_to_seconds(r.latency.percentile(50));
  s.p99_s = ns_to_seconds(r.latency.percentile(99));
  return s;
}

// The window's figures appear only once an interval is complete: a generator in its first
// interval shows no rate rather than a false 0 that would dip the summed view.
std::string render_live_gauges(const LiveSample& s) {
  std::string out;
  gauge(out, "wpm_bench_live_running", "1 while the generator's measured phase runs, 0 after it",
        s, s.running ? 1 : 0);
  gauge(out, "wpm_bench_live_elapsed_seconds", "Time since the measured phase began", s, s.elapsed_s);
  gauge(out, "wpm_bench_live_requests", "Responses received so far in the measured phase (any status)",
        s, static_cast<double>(s.requests));
  gauge(out, "wpm_bench_live_errors", "Failed requests and non-2xx/3xx responses so far", s,
        static_cast<double>(s.errors));
  gauge(out, "wpm_bench_live_in_flight", "Requests started and not yet ended", s,
        static_cast<double>(s.in_flight));
  if (s.window) {
    gauge(out, "wpm_bench_live_responses_per_second", "Responses per second over the last interval",
          s, s.rate);
    latency(out, s);
    gauge(out, "wpm_bench_live_window_seconds", "Width of the last interval", s, s.window_s);
  }
  gauge(out, "wpm_bench_live_segment_index", "This generator's segment I of --segment I/N", s,
        s.segment_index);
  gauge(out, "wpm_bench_live_segment_count", "N of --segment I/N (1 without it)", s, s.segment_count);
  return out;
}

std::string live_instance(const BenchOptions& o) {
  if (!o.push_instance.empty()) return o.push_instance;
  if (!o.segment.whole()) return "seg-" + std::to_string(o.segment.index);
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') return host;
  return "unknown";
}

PushTarget live_push_target(const BenchOptions& o) {
  PushTarget t;
  t.url = o.push_url;
  t.job = o.push_job;
  t.labels = split_labels(o.push_labels);
  t.labels.emplace_back("instance", live_instance(o));
  t.mode = PushTarget::Mode::replace;  // the group holds the latest sample only
  t.timeout_s = std::min({o.push_timeout_s, kMaxLiveTimeoutS, o.push_live_interval_s / 2});
  t.retries = std::min(o.push_retries, 1);
  t.backoff_base_s = std::min(0.05, o.push_live_interval_s / 4);
  t.backoff_max_s = t.backoff_base_s;
  return t;
}

// Pushes every interval at planned times (multiples of the interval); a push that ran late
// skips the planned times already past instead of pushing in a burst to catch up.
class LivePusher::PushJob final : public Job {
 public:
  PushJob(LivePusher& owner, double interval_s, Sampler sampler)
      : owner_(owner), interval_s_(interval_s), sampler_(std::move(sampler)) {}

  std::optional<double> step(double /*now_s*/) override {
    if (std::optional<LiveSample> sample = sampler_()) owner_.push_one(*sample);
    double after = owner_.clock_.now_s() - origin_s_;
    ticks_ = std::max(ticks_ + 1, static_cast<uint64_t>(std::floor(after / interval_s_)) + 1);
    return static_cast<double>(ticks_) * interval_s_;
  }
  void set_origin(double origin_s) { origin_s_ = origin_s; }

 private:
  LivePusher& owner_;
  double interval_s_;
  Sampler sampler_;
  double origin_s_ = 0;
  uint64_t ticks_ = 1;  // the first push is due one interval after the origin
};

LivePusher::LivePusher(Clock& clock, PushTarget target, double interval_s, Sampler sampler,
                       PushFunction push_fn)
    : clock_(clock), target_(std::move(target)), push_fn_(std::move(push_fn)), scheduler_(clock),
      job_(std::make_unique<PushJob>(*this, interval_s, std::move(sampler))) {
  scheduler_.add(*job_, interval_s);
}

LivePusher::~LivePusher() {
  scheduler_.stop();
  if (thread_.joinable()) thread_.join();
}

void LivePusher::start() {
  double origin = clock_.now_s();
  job_->set_origin(origin);
  thread_ = std::thread([this, origin] { scheduler_.run(origin); });
}

void LivePusher::finish(const LiveSample& last) {
  scheduler_.stop();
  if (thread_.joinable()) thread_.join();
  push_one(last);
}

LivePushStats LivePusher::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void LivePusher::push_one(const LiveSample& sample) {
  Status sent = push_fn_(target_, render_live_gauges(sample));
  std::lock_guard lock(mu_);
  ++stats_.pushes;
  if (!sent) {
    ++stats_.failures;
    stats_.last_error = sent.error().message;
  }
}

std::string live_push_warning(const LivePushStats& stats) {
  if (stats.failures == 0) return "";
  return "live push: " + std::to_string(stats.failures) + " of " + std::to_string(stats.pushes) +
         " pushes failed (the run is unaffected); last: " + stats.last_error;
}

}  // namespace wpm::bench
