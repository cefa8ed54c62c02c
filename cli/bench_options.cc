#include "cli/bench_options.h"

#include <sstream>

#include "cli/config.h"
#include "cli/parse_helpers.h"
#include "supervisor/control.h"

namespace wpm::cli {

Result<InjectSpec> parse_inject(const std::string& text) {
  auto bad = [&text](const std::string& why) {
    return Error{"--inject '" + text + "': " + why + " (expected AT:SIGNAL[:worker=K], e.g. 2s:abort:worker=0)",
                 kExitUsage};
  };
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
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
    if (w.rfind("worker=", 0) != 0 || w.size() == 7) return bad("third field must be worker=K");
    try {
      spec.worker = static_cast<uint32_t>(std::stoul(w.substr(7)));
    } catch (const std::exception&) {
      return bad("worker index must be a number");
    }
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

void add_bench_flags(CLI::App& app, BenchOptions& o, std::vector<std::string>& injects,
                     std::string& classes) {
  app.add_option("--worker-class,-k", classes, "all or a comma list: sync,thread,eventlet,gevent")
      ->default_str("all");
  app.add_option("--workers,-w", o.workers, "Workers per pool")->capture_default_str();
  app.add_option("--threads", o.threads, "Threads per worker (thread class)")->capture_default_str();
  app.add_option("--worker-connections", o.worker_connections, "Connections per worker")
      ->capture_default_str();
  add_duration(app, "--worker-timeout", o.worker_timeout_s, "The pool's --timeout");
  app.add_flag("!--no-metrics", o.metrics, "Run the pools with instrumentation off");
  add_duration(app, "--duration,-d", o.duration_s, "Measured phase per worker class");
  add_duration(app, "--warmup", o.warmup_s, "Load before measuring (excluded from results)");
  app.add_option("--connections,-c", o.connections, "Client connections")->capture_default_str();
  app.add_option("--client-threads", o.client_threads, "Load generator threads")->capture_default_str();
  app.add_option("--rate,-R", o.rate, "Requests/s (0 = closed loop)")->capture_default_str();
  app.add_flag("--poisson", o.poisson, "Poisson arrivals in open loop (default constant)");
  app.add_flag("!--no-keepalive", o.keepalive, "A new connection per request");
  add_duration(app, "--connect-timeout", o.connect_timeout_s, "Client connect timeout");
  add_duration(app, "--request-timeout", o.request_timeout_s, "Client request timeout");
  app.add_option("--path", o.paths, "Request path (repeat for a mix)");
  app.add_option("--inject", injects, "AT:SIGNAL[:worker=K], e.g. 2s:abort:worker=0 (repeatable)");
  app.add_option("--target", o.target, "Benchmark this URL instead of spawning pools");
  add_duration(app, "--interval", o.interval_s, "Timeline resolution, client and server (default 100ms)");
  app.add_option("--max-error-ratio", o.max_error_ratio, "Fail (exit 3) above this error ratio")->capture_default_str();
  app.add_option("--out,-o", o.out_dir, "Report directory")->capture_default_str();
  app.add_option("--json", o.json_path, "JSON report path (default OUT/report.json)");
  app.add_option("--prom", o.prom_path, "Prometheus text path (default OUT/report.prom)");
  app.add_option("--html", o.html_path, "HTML report path (default OUT/report.html)");
  app.add_flag("!--no-progress", o.progress, "No live progress line");
  app.add_option("--push-url", o.push_url, "Pushgateway base URL");
  app.add_option("--push-job", o.push_job, "Pushgateway job")->capture_default_str();
  app.add_option("--push-label", o.push_labels, "Grouping label K=V (repeatable)");
  add_duration(app, "--push-timeout", o.push_timeout_s, "Per-attempt push timeout");
  app.add_option("--push-retries", o.push_retries, "Push retries")->capture_default_str();
  app.add_option("--baseline", o.baseline, "Previous JSON report to compare against");
  app.add_option("--fail-on", o.fail_on, "Regression thresholds, e.g. 'p99>+10%,rps<-5%'");
}

namespace {

// Parses the raw --inject / --worker-class texts into `o` (no cross-field validation yet:
// a config file's values may still be overridden by flags).
Status apply_injects_and_classes(BenchOptions& o, const std::vector<std::string>& injects,
                                 const std::string& classes) {
  if (!injects.empty()) o.injects.clear();
  for (const std::string& text : injects) {
    Result<InjectSpec> spec = parse_inject(text);
    if (!spec) return spec.error();
    o.injects.push_back(*spec);
  }
  if (!classes.empty() && classes != "all") {
    o.classes.clear();
    std::stringstream in(classes);
    for (std::string name; std::getline(in, name, ',');) {
      Result<WorkerClass> c = parse_worker_class_value(name);
      if (!c) return Error{"--worker-class: " + c.error().message, kExitUsage};
      o.classes.push_back(*c);
    }
  }
  return {};
}

}  // namespace

Status finish_bench_options(BenchOptions& o, const std::vector<std::string>& injects,
                            const std::string& classes) {
  if (Status s = apply_injects_and_classes(o, injects, classes); !s) return s;
  for (const InjectSpec& spec : o.injects)
    if (spec.at_s >= o.duration_s)
      return Error{"--inject '" + spec.text + "' is not within --duration", kExitUsage};
  if (o.paths.empty()) o.paths = {"/"};
  if (o.connections == 0 || o.client_threads == 0)
    return Error{"--connections and --client-threads must be at least 1", kExitUsage};
  if (o.client_threads > o.connections) o.client_threads = o.connections;
  return {};
}

Status load_bench_config(const std::string& path, BenchOptions& o) {
  Result<toml::table> table = load_toml(path);
  if (!table) return table.error();
  auto value = [](auto& field) { return [&field](const toml::node& n) { return read(n, field); }; };
  auto duration = [](double& f) { return [&f](const toml::node& n) { return read_duration(n, f); }; };
  auto strings = [](std::vector<std::string>& field) {
    return [&field](const toml::node& n) -> Status {
      const toml::array* arr = n.as_array();
      Error wrong{"expected an array of strings", kExitUsage};
      if (arr == nullptr) return wrong;
      field.clear();
      for (const toml::node& item : *arr) {
        auto s = item.value<std::string>();
        if (!s) return wrong;
        field.push_back(*s);
      }
      return {};
    };
  };
  std::vector<std::string> injects, classes;
  KeyTable keys{
      {"pool.worker_classes", strings(classes)},
      {"pool.workers", value(o.workers)},
      {"pool.threads", value(o.threads)},
      {"pool.worker_connections", value(o.worker_connections)},
      {"pool.timeout", duration(o.worker_timeout_s)},
      {"pool.metrics", value(o.metrics)},
      {"load.duration", duration(o.duration_s)},
      {"load.warmup", duration(o.warmup_s)},
      {"load.connections", value(o.connections)},
      {"load.client_threads", value(o.client_threads)},
      {"load.rate", value(o.rate)},
      {"load.poisson", value(o.poisson)},
      {"load.keepalive", value(o.keepalive)},
      {"load.connect_timeout", duration(o.connect_timeout_s)},
      {"load.request_timeout", duration(o.request_timeout_s)},
      {"load.paths", strings(o.paths)},
      {"load.target", value(o.target)},
      {"load.interval", duration(o.interval_s)},
      {"inject.events", strings(injects)},
      {"report.out", value(o.out_dir)},
      {"report.json", value(o.json_path)},
      {"report.prom", value(o.prom_path)},
      {"report.html", value(o.html_path)},
      {"report.progress", value(o.progress)},
      {"push.url", value(o.push_url)},
      {"push.job", value(o.push_job)},
      {"push.labels", strings(o.push_labels)},
      {"push.timeout", duration(o.push_timeout_s)},
      {"gate.baseline", value(o.baseline)},
      {"gate.fail_on", value(o.fail_on)},
      {"gate.max_error_ratio", value(o.max_error_ratio)},
  };
  if (Status s = apply_table(path, *table, keys); !s) return s;
  std::string joined;
  for (const std::string& c : classes) joined += (joined.empty() ? "" : ",") + c;
  return apply_injects_and_classes(o, injects, joined);
}

}  // namespace wpm::cli
