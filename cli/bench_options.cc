#include "cli/bench_options.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>

#include "bench/slo.h"
#include "bench/start_at.h"
#include "cli/flag_kinds.h"
#include "cli/parse_helpers.h"
#include "cli/profile_toml.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/url.h"
#include "loadgen/load_spec.h"
#include "loadgen/tls.h"
#include "reports/json_report.h"
#include "reports/regression.h"
#include "supervisor/control.h"

namespace wpm::cli {
namespace {

using Opt = Option<BenchOptions>;
using O = BenchOptions;

Status add_inject(std::vector<InjectSpec>& injects, const std::string& text) {
  if (text == "none") return {};  // `--inject none`: no injections at all
  Result<InjectSpec> spec = parse_inject(text);
  if (!spec) return spec.error();
  injects.push_back(*spec);
  return {};
}

Status add_class(std::vector<WorkerClass>& classes, const std::string& name) {
  if (name == "all") {
    for (std::string_view each : kWorkerClassNames)
      if (Status s = add_class(classes, std::string(each)); !s) return s;
    return {};
  }
  Result<WorkerClass> c = parse_worker_class_value(name);
  if (!c) return c.error();
  for (WorkerClass have : classes)
    if (have == *c) return Error{"'" + name + "' is listed twice", kExitUsage};
  classes.push_back(*c);
  return {};
}

Status check_fail_on(const std::string& text) {
  if (text.empty()) return {};
  Result<std::vector<Threshold>> parsed = parse_fail_on(text);
  if (!parsed) {
    std::string message = parsed.error().message;  // the model names the flag itself
    if (message.rfind("--fail-on: ", 0) == 0) message.erase(0, 11);
    return Error{message, kExitUsage};
  }
  return {};
}

Status check_slo(const std::string& text) {
  if (text.empty()) return {};
  Result<bench::SloObjective> parsed = bench::parse_slo(text);
  if (!parsed) {
    std::string message = parsed.error().message;  // the model names the flag itself
    if (message.rfind("--slo: ", 0) == 0) message.erase(0, 7);
    return Error{message, kExitUsage};
  }
  return {};
}

Status check_metric_name(const std::string& text) {
  if (check_metric_prefix(text)) return {};
  return Error{"'" + text + "' is not a Prometheus metric name ([a-zA-Z_][a-zA-Z0-9_]*)", kExitUsage};
}

Status check_segment(const std::string& text) {
  Result<loadgen::ExecutionSegment> s = loadgen::parse_segment(text);
  return s ? Status{} : Status{s.error()};
}

// "+DURATION" from now, or an RFC 3339 instant; resolved once, by validate_bench.
Result<double> resolve_start_at(const std::string& text, double now) {
  if (!text.empty() && text[0] == '+') {
    Result<double> d = parse_duration(text.substr(1));
    if (!d) return Error{"'" + text + "': " + d.error().message, kExitUsage};
    return now + *d;
  }
  return bench::parse_rfc3339(text);
}

Status check_start_at_text(const std::string& text) {
  if (text.empty()) return {};
  Result<double> at = resolve_start_at(text, 0);
  return at ? Status{} : Status{at.error()};
}

Status check_target(const std::string& text) { return text.empty() ? Status{} : check_http_url(text); }

Status check_path(const std::string& text) {
  Result<std::pair<std::string, double>> p = loadgen::split_path_weight(text);
  if (!p) return p.error();
  return check_request_path(p->first);
}

// The method and header rules live in loadgen (one place); a probe spec applies them to one
// value, and the model prefixes the flag's name to the message.
Status check_with_loadgen(const std::function<void(loadgen::LoadSpec&)>& set) {
  loadgen::LoadSpec probe;
  probe.port = 1;
  set(probe);
  Status s = loadgen::validate(probe);
  if (s) return s;
  std::string message = s.error().message;
  if (message.rfind("load spec: ", 0) == 0) message.erase(0, 11);
  return Error{message, kExitUsage};
}

Status check_ca_file(const std::string& text) { return loadgen::check_ca_file(text); }

Status check_method(const std::string& text) {
  return check_with_loadgen([&text](loadgen::LoadSpec& p) { p.method = text; });
}

Status check_header(const std::string& text) {
  return check_with_loadgen([&text](loadgen::LoadSpec& p) { p.headers = {text}; });
}

// Credentials travel in headers: the report's config section names such a header, never its value.
std::string show_header(const std::string& text) {
  size_t colon = text.find(':');
  std::string name = text.substr(0, colon);
  std::string lower = name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"auth", "cookie", "token", "secret", "key", "pass", "session", "signature"})
    if (lower.find(word) != std::string::npos) return name + ": (redacted)";
  return text;
}

Value<O> headers_value() {
  Value<O> v = list<O, std::string>(&O::headers,
      [](std::vector<std::string>& items, const std::string& item) -> Status {
        if (Status s = check_header(item); !s) return s;
        items.push_back(item);
        return {};
      },
      show_header, "'NAME: VALUE'");
  return v;
}

// A short body is shown as given; a long one (or one read from --body-file, named there) is
// not copied into the report.
Value<O> body_value() {
  Value<O> v = text(&O::body, nullptr, "TEXT");
  v.show = [](const O& o) -> std::string {
    if (!o.body_file.empty()) return "";
    if (o.body.size() <= 64) return o.body;
    return "(" + std::to_string(o.body.size()) + " bytes)";
  };
  return v;
}

std::vector<Opt> pool_options() {
  Value<O> classes = list<O, WorkerClass>(&O::classes, add_class,
      [](const WorkerClass& c) { return std::string(to_string(c)); }, "CLASS[,CLASS...]");
  classes.split_commas = true;
  classes.choices = worker_class_names();
  classes.choices.push_back("all");
  return {
      {"--worker-class,-k", "pool.worker_classes", "Worker classes to run: all, or a comma list of sync, thread, eventlet, gevent", classes},
      {"--workers,-w", "pool.workers", "Workers per pool", count(&O::workers, 1, 512)},
      {"--threads", "pool.threads", "Threads per worker (thread class)", count(&O::threads, 1, 4096)},
      {"--worker-connections", "pool.worker_connections", "Open connections per worker", count(&O::worker_connections, 1, 1000000)},
      {"--worker-timeout", "pool.timeout", "The pool's heartbeat --timeout", duration(&O::worker_timeout_s, 0.1, 86400)},
      {"--no-metrics", "pool.metrics", "Run the pools with request instrumentation off", off_switch(&O::metrics)},
  };
}

std::vector<Opt> load_options() {
  Value<O> injects = list<O, InjectSpec>(&O::injects, add_inject,
      [](const InjectSpec& i) { return i.text; }, "AT:SIGNAL[:worker=K]");
  return {
      {"--duration,-d", "load.duration", "Measured phase per worker class", duration(&O::duration_s, 0.1, 86400)},
      {"--warmup", "load.warmup", "Load before measuring, excluded from results", duration(&O::warmup_s, 0, 3600)},
      {"--connections", "load.connections", "Client connections", count(&O::connections, 1, 100000)},
      {"--client-threads", "load.client_threads", "Load generator threads (at most --connections)", count(&O::client_threads, 1, 1024)},
      {"--rate,-R", "load.rate", "Requests/s in open loop; 0 = closed loop", number(&O::rate, 0, 1e7, "REQ/S")},
      {"--poisson", "load.poisson", "Poisson arrivals in open loop (default constant)", on_switch(&O::poisson)},
      {"--no-keepalive", "load.keepalive", "A new connection per request", off_switch(&O::keepalive)},
      {"--connect-timeout", "load.connect_timeout", "Client connect timeout", duration(&O::connect_timeout_s, 0.001, 3600)},
      {"--request-timeout", "load.request_timeout", "Client request timeout", duration(&O::request_timeout_s, 0.001, 3600)},
      {"--path", "load.paths", "Request path, repeat for a mix; PATH:W weighs it W (smooth weighted round-robin; a path containing ':' needs an explicit weight, e.g. /a:b:1)", texts(&O::paths, check_path, "PATH[:WEIGHT]")},
      {"--profile", "load.profile", "Workload profile (TOML): the pool serves its routes and the load is its weighted route mix, reported per route (not with --path)", text(&O::profile_path, nullptr, "FILE")},
      {"--method,-X", "load.method", "Request method (any HTTP token)", text(&O::method, check_method, "METHOD")},
      {"--header,-H", "load.headers", "Request header 'Name: value' (repeatable; replaces Host, User-Agent, Accept or Content-Type)", headers_value()},
      {"--body", "load.body", "Request body, sent with Content-Length (any method)", body_value()},
      {"--body-file", "load.body_file", "Read the request body from FILE", text(&O::body_file, nullptr, "FILE")},
      {"--requests,-n", "load.requests", "End the measured phase after N requests (or --duration, whichever first); 0 = no limit", count(&O::requests, 0, 1000000000000)},
      {"--target", "load.target", "Benchmark this URL instead of starting pools", text(&O::target, check_target, "URL")},
      {"--insecure", "load.insecure", "https --target: skip certificate verification (as curl -k)", on_switch(&O::insecure)},
      {"--ca-file", "load.ca_file", "https --target: trust the PEM certificates in FILE instead of the system CA store", text(&O::ca_file, check_ca_file, "FILE")},
      {"--interval", "load.interval", "Timeline resolution of the client and server series", duration(&O::interval_s, 0.01, 60)},
      {"--inject", "inject.events", "Signal at a time of the measured phase, e.g. 2s:abort:worker=0 (repeatable; none = no injections)", injects},
      {"--segment", "load.segment", "Run segment I of N of the scenario (0 <= I < N <= 64): its share of --connections, --rate and --requests; merge the N reports with wpm report merge", text(&O::segment_text, check_segment, "I/N")},
      {"--start-at", "load.start_at", "Begin the measured phase at this wall-clock instant: RFC 3339 (2026-12-07T18:00:00Z) or +DURATION from now (the warm-up runs before it)", text(&O::start_at, check_start_at_text, "TIME")},
      {"--inject-from", "inject.from", "With --segment, only the generator of this segment runs the --inject schedule", count(&O::inject_from, 0, loadgen::kMaxSegments - 1)},
  };
}

// A pool started elsewhere behind --target (bench/external_pool.h).
std::vector<Opt> attach_options() {
  auto pool_name = [](const std::string& text) { return text.empty() ? Status{} : check_pool_name(text); };
  return {
      {"--pool-pid", "target.pool_pid", "Attach to the pool whose master has this pid (workers: its children, by age; 0 = none); needs --target and --pool-metrics", count(&O::pool_pid, 0, 4194304)},
      {"--pool-name", "target.pool_name", "Attach to the `wpm serve` of this name started elsewhere (default --target and --pool-metrics from its state file)", text(&O::pool_name, pool_name, "NAME")},
      {"--pool-metrics", "target.pool_metrics", "The attached pool's Prometheus endpoint", text(&O::pool_metrics, check_target, "URL")},
      {"--requests-metric", "target.requests_metric", "The attached pool's per-worker request counter, summed for reconciliation", text(&O::requests_metric, check_metric_name, "NAME")},
  };
}

std::vector<Opt> report_options() {
  std::vector<Opt> out{
      {"--out,-o", "report.out", "Report directory", text(&O::out_dir, check_not_empty, "DIR")},
      {"--json", "report.json", "JSON report path, - = stdout (default OUT/report.json)", text(&O::json_path, check_output_path, "FILE")},
      {"--prom", "report.prom", "Prometheus text path, - = stdout (default OUT/report.prom)", text(&O::prom_path, check_output_path, "FILE")},
      {"--html", "report.html", "HTML report path, - = stdout (default OUT/report.html)", text(&O::html_path, check_output_path, "FILE")},
      {"--no-progress", "report.progress", "No live progress line", off_switch(&O::progress)},
  };
  out.back().in_report = false;
  return out;
}

std::vector<Opt> push_and_gate_options() {
  std::vector<Opt> out{
      {"--push-url", "push.url", "Pushgateway base URL (credentials: WPM_PUSH_USERNAME / WPM_PUSH_PASSWORD)", text(&O::push_url, check_target, "URL")},
      {"--push-job", "push.job", "Pushgateway job", text(&O::push_job, check_not_empty, "JOB")},
      {"--push-label", "push.labels", "Grouping label K=V (repeatable)", texts(&O::push_labels, check_label_pair, "K=V")},
      {"--push-timeout", "push.timeout", "Per-attempt push timeout", duration(&O::push_timeout_s, 0.001, 3600)},
      {"--push-retries", "push.retries", "Push retries after the first attempt", count(&O::push_retries, 0, 100)},
      {"--push-live-interval", "push.live_interval", "Push live generator gauges (wpm_bench_live_*) this often while measuring; 0 = off (needs --push-url)", duration(&O::push_live_interval_s, 0, 3600)},
      {"--push-instance", "push.instance", "Grouping key 'instance' of the live pushes (default: seg-I with --segment, else the host name)", text(&O::push_instance, nullptr, "NAME")},
      {"--baseline", "gate.baseline", "Previous JSON report to compare against", text(&O::baseline, nullptr, "FILE")},
      {"--max-error-ratio", "gate.max_error_ratio", "A class fails (exit 3) when errors over requests that ended exceed this", number(&O::max_error_ratio, 0, 1, "RATIO")},
      {"--slo", "slo.objective", "Find each class's highest open-loop rate within this objective and recommend a class, e.g. 'p99<50ms,errors<1%'", text(&O::slo, check_slo, "EXPR")},
      {"--slo-steps", "slo.steps", "Bisection runs of the --slo search after its closed-loop probe", count(&O::slo_steps, 1, 20)},
      {"--fail-on", "gate.fail_on", "Regression thresholds, e.g. 'p99>+10%,rps<-5%' (metrics: rps p50 p90 p99 p999 max mean errors error_rate)", text(&O::fail_on, check_fail_on, "EXPR")},
  };
  out.front().in_report = false;  // a URL may carry more than the report should show
  return out;
}

}  // namespace

Result<InjectSpec> parse_inject(const std::string& text) {
  auto bad = [&text](const std::string& why) {
    return Error{"'" + text + "': " + why + " (expected AT:SIGNAL[:worker=K], e.g. 2s:abort:worker=0)",
                 kExitUsage};
  };
  std::vector<std::string> parts = split(text, ':');
  if (parts.size() < 2 || parts.size() > 3) return bad("wrong number of fields");
  InjectSpec spec;
  spec.text = text;
  Result<double> at = parse_duration(parts[0]);
  if (!at) return bad("bad time '" + parts[0] + "'");
  spec.at_s = *at;
  Result<ControlSignal> sig = supervisor::parse_signal(parts[1]);
  if (!sig) return bad(sig.error().message);
  spec.signal = *sig;
  if (parts.size() == 3) {
    const std::string& w = parts[2];
    if (w.rfind("worker=", 0) != 0) return bad("third field must be worker=K");
    Result<int64_t> index = parse_count(w.substr(7), 0, 511);
    if (!index) return bad("worker index: " + index.error().message);
    spec.worker = static_cast<uint32_t>(*index);
  }
  return spec;
}

BenchOptions default_scenario() {
  BenchOptions o;
  o.duration_s = 4;
  o.warmup_s = 1;
  o.connections = 8;
  o.paths = {"/", "/sleep/5", "/cpu/1", "/bytes/4096"};
  o.injects = {*parse_inject("1.5s:quit:worker=0"), *parse_inject("2.5s:abort:worker=1")};
  return o;
}

OptionTable<BenchOptions> bench_option_table() {
  std::vector<Opt> all;
  for (auto group : {pool_options, load_options, report_options, push_and_gate_options, attach_options})
    for (Opt& opt : group()) all.push_back(std::move(opt));
  return OptionTable<BenchOptions>(std::move(all));
}

namespace {

// Why an injection cannot run in this scenario, or "" when it can.
std::string misfit(const InjectSpec& spec, const BenchOptions& o) {
  if (!o.target.empty() && !attaches_pool(o))
    return "--target starts no pool to signal (name it with --pool-pid or --pool-name)";
  if (spec.at_s >= o.duration_s) return "not within --duration " + format_duration(o.duration_s);
  if (spec.worker && !attaches_pool(o) && *spec.worker >= o.workers)
    return "no worker " + std::to_string(*spec.worker) + " with --workers " + std::to_string(o.workers);
  return "";
}

bool are_default_injects(const std::vector<InjectSpec>& injects) {
  std::vector<InjectSpec> defaults = default_scenario().injects;
  if (injects.size() != defaults.size()) return false;
  for (size_t i = 0; i < injects.size(); ++i)
    if (injects[i].text != defaults[i].text) return false;
  return true;
}

Status check_injects(BenchOptions& o) {
  bool defaults = are_default_injects(o.injects);
  if (defaults && attaches_pool(o)) {  // a pool started elsewhere: signalled only when asked
    log_info("default scenario: injections left out (an attached pool is signalled only by --inject)");
    o.injects.clear();
    return {};
  }
  std::vector<InjectSpec> kept;
  for (const InjectSpec& spec : o.injects) {
    std::string why = misfit(spec, o);
    if (why.empty()) {
      kept.push_back(spec);
      continue;
    }
    if (!defaults) return Error{"--inject '" + spec.text + "': " + why, kExitUsage};
    log_info("default scenario: injection ", spec.text, " left out (", why, ")");
  }
  o.injects = std::move(kept);
  return {};
}

Status check_baseline(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"--baseline: cannot read '" + path + "'", kExitUsage};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<BenchResult> parsed = parse_bench_json(text);
  if (!parsed) return Error{"--baseline: " + path + ": " + parsed.error().message, kExitUsage};
  return {};
}

// --body-file is read once here, before anything starts; its bytes become the body.
Status read_body_file(BenchOptions& o) {
  if (o.body_file.empty()) return {};
  if (!o.body.empty()) return Error{"--body, --body-file: give one of them", kExitUsage};
  std::ifstream in(o.body_file, std::ios::binary);
  if (!in) return Error{"--body-file: cannot read '" + o.body_file + "'", kExitUsage};
  o.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{"--body-file: cannot read '" + o.body_file + "'", kExitUsage};
  return {};
}

// Certificate options mean something for an https --target only; both at once contradict.
Status check_tls_options(const BenchOptions& o) {
  if (!o.insecure && o.ca_file.empty()) return {};
  const char* which = o.insecure ? "--insecure" : "--ca-file";
  if (o.insecure && !o.ca_file.empty()) return Error{"--insecure, --ca-file: give one of them", kExitUsage};
  Result<Url> target = parse_url(o.target);
  if (!target || target->scheme != "https")
    return Error{std::string(which) + ": only for an https:// --target", kExitUsage};
  return {};
}

Status check_stdout_reports(const BenchOptions& o) {
  int on_stdout = (o.json_path == "-") + (o.prom_path == "-") + (o.html_path == "-");
  if (on_stdout > 1) return Error{"--json, --prom, --html: only one report can go to stdout (-)", kExitUsage};
  return {};
}

}  // namespace

// --segment and --start-at become their parsed forms; a generator that is not --inject-from
// drops the injections (its peers' share of the load runs without them).
Status resolve_distribution(BenchOptions& o) {
  Result<loadgen::ExecutionSegment> segment = loadgen::parse_segment(o.segment_text);
  if (!segment) return Error{"--segment: " + segment.error().message, kExitUsage};
  o.segment = *segment;
  if (o.segment.index != o.inject_from && o.inject_from < o.segment.count && !o.injects.empty()) {
    if (!are_default_injects(o.injects))
      log_info("segment ", o.segment.text(), ": injections run on segment ", o.inject_from, " only");
    o.injects.clear();
  }
  if (o.start_at.empty()) return {};
  double now = unix_seconds();
  Result<double> at = resolve_start_at(o.start_at, now);
  if (!at) return Error{"--start-at: " + at.error().message, kExitUsage};
  if (Status s = bench::check_start_at(*at, now, o.warmup_s); !s) return s;
  o.start_at_unix_s = *at;
  return {};
}

Status apply_profile(BenchOptions& o) {
  if (o.profile_path.empty()) {
    if (o.paths.empty()) o.paths = default_scenario().paths;
    return {};
  }
  if (!o.paths.empty()) return Error{"--profile, --path: give one of them (the profile is the path mix)", kExitUsage};
  Result<Profile> p = read_profile_file(o.profile_path);
  if (!p) return Error{"--profile: " + p.error().message, kExitUsage};
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(o.profile_path, ec);
  if (!ec) o.profile_path = absolute.string();  // the spawned pools may run elsewhere
  o.profile = std::move(*p);
  return {};
}

Status validate_bench(BenchOptions& o) {
  if (Status s = resolve_distribution(o); !s) return s;
  if (Status s = check_injects(o); !s) return s;
  if (Status s = check_baseline(o.baseline); !s) return s;
  if (Status s = check_stdout_reports(o); !s) return s;
  if (Status s = read_body_file(o); !s) return s;
  if (Status s = check_tls_options(o); !s) return s;
  // The default scenario's path mix is for wpm's own pools; a --target URL brings its path.
  if (o.paths.empty() || (!o.target.empty() && o.paths == default_scenario().paths)) o.paths = {"/"};
  if (o.classes.empty()) return Error{"--worker-class: no worker class selected", kExitUsage};
  if (o.client_threads > o.connections) o.client_threads = o.connections;
  return {};
}

}  // namespace wpm::cli
