// parse_bench_json: the reader half of json_report.h. Every field of schema v1 is required;
// the fields v2 and v3 added (interval, paths, verdicts; histograms, execution, wall clock) are
// read when present, so an older report still serves as a baseline. Unknown fields (the gate)
// are ignored.
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "reports/json_report.h"

namespace wpm {
namespace {

using json = nlohmann::json;

// Thrown inside this file only; parse_bench_json turns it into an Error.
struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A JSON value together with its path, for errors such as "/classes/1/latency/p99_s".
struct Node {
  const json& v;
  std::string path;

  Node at(const std::string& key) const {
    if (!v.is_object()) fail("an object");
    auto it = v.find(key);
    if (it == v.end()) throw ParseError(path + "/" + key + ": missing");
    return {*it, path + "/" + key};
  }
  Node at(size_t i) const { return {v[i], path + "/" + std::to_string(i)}; }
  [[noreturn]] void fail(const char* expected) const {
    throw ParseError((path.empty() ? "/" : path) + ": expected " + expected + ", found " +
                     std::string(v.type_name()));
  }
  const json& array() const {
    if (!v.is_array()) fail("an array");
    return v;
  }
  const json& object() const {
    if (!v.is_object()) fail("an object");
    return v;
  }
};

void read(const Node& n, double& out) {
  if (n.v.is_null()) out = std::numeric_limits<double>::quiet_NaN();  // written for NaN/Inf
  else if (n.v.is_number()) out = n.v.get<double>();
  else n.fail("a number");
}
template <class T>
  requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
void read(const Node& n, T& out) {
  if (!n.v.is_number_integer()) n.fail("an integer");
  if (n.v.is_number_unsigned()) {
    auto u = n.v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) n.fail("a smaller integer");
    out = static_cast<T>(u);
    return;
  }
  auto s = n.v.get<int64_t>();
  if (s < static_cast<int64_t>(std::numeric_limits<T>::min())) n.fail("a larger integer");
  out = static_cast<T>(s);
}
void read(const Node& n, bool& out) {
  if (!n.v.is_boolean()) n.fail("true or false");
  out = n.v.get<bool>();
}
void read(const Node& n, std::string& out) {
  if (!n.v.is_string()) n.fail("a string");
  out = n.v.get<std::string>();
}
void read(const Node& n, WorkerState& out) {
  std::string name;
  read(n, name);
  auto state = parse_name<WorkerState>(name, kWorkerStateNames);
  if (!state) throw ParseError(n.path + ": unknown worker state '" + name + "'");
  out = *state;
}
template <class T>
void field(const Node& n, const char* key, T& out) {
  read(n.at(key), out);
}
bool has(const Node& n, const char* key) { return n.v.is_object() && n.v.contains(key); }

Verdict read_verdict(const Node& n) {
  Verdict v;
  field(n, "passed", v.passed);
  Node reasons = n.at("reasons");
  for (size_t i = 0; i < reasons.array().size(); ++i) read(reasons.at(i), v.reasons.emplace_back());
  return v;
}

LatencySummary read_latency(const Node& n) {
  LatencySummary l;
  field(n, "count", l.count);
  field(n, "min_s", l.min_s), field(n, "mean_s", l.mean_s), field(n, "max_s", l.max_s);
  field(n, "stdev_s", l.stdev_s), field(n, "p50_s", l.p50_s), field(n, "p90_s", l.p90_s);
  field(n, "p99_s", l.p99_s), field(n, "p999_s", l.p999_s);
  if (!has(n, "spectrum")) return l;  // per-path latencies have none
  Node spectrum = n.at("spectrum");
  for (size_t i = 0; i < spectrum.array().size(); ++i) {
    PercentilePoint p;
    field(spectrum.at(i), "percentile", p.percentile);
    field(spectrum.at(i), "seconds", p.seconds);
    l.spectrum.push_back(p);
  }
  return l;
}

ErrorCounts read_errors(const Node& n) {
  ErrorCounts e;
  field(n, "connect", e.connect), field(n, "write", e.write), field(n, "read", e.read);
  field(n, "reset", e.reset), field(n, "timeout", e.timeout), field(n, "parse", e.parse);
  Node status = n.at("status");
  for (const auto& [key, value] : status.object().items()) {
    int code = 0;
    auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), code);
    if (ec != std::errc() || ptr != key.data() + key.size() || code < 100 || code > 999)
      throw ParseError(status.path + ": '" + key + "' is not an HTTP status code");
    read(Node{value, status.path + "/" + key}, e.status[code]);
  }
  return e;
}

template <class T, class F>
std::vector<T> read_array(const Node& n, F&& one) {
  std::vector<T> out;
  for (size_t i = 0; i < n.array().size(); ++i) out.push_back(one(n.at(i)));
  return out;
}

Uint128 read_decimal(const Node& n) {
  std::string text;
  read(n, text);
  if (text.empty() || text.size() > 39) n.fail("a decimal integer string");
  Uint128 v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') n.fail("a decimal integer string");
    Uint128 next = v * 10 + static_cast<unsigned>(c - '0');
    if (next / 10 != v) n.fail("a 128-bit integer");
    v = next;
  }
  return v;
}

// The lossless histogram of json_report.cc; null (or absent) reads as none.
std::optional<Histogram> read_histogram(const Node& n) {
  if (n.v.is_null()) return std::nullopt;
  std::string layout;
  field(n, "layout", layout);
  if (layout != "log-linear") throw ParseError(n.path + "/layout: unknown histogram layout '" + layout + "'");
  HistogramParts p;
  field(n, "highest_ns", p.highest_ns), field(n, "precision_bits", p.precision_bits);
  field(n, "count", p.count), field(n, "clamped", p.clamped);
  field(n, "min_ns", p.min_ns), field(n, "max_ns", p.max_ns);
  p.sum_ns = read_decimal(n.at("sum_ns"));
  p.sum_squares_ns = read_decimal(n.at("sum_squares_ns2"));
  std::string why;
  // The layout alone (no samples), for the bucket geometry; from_parts checks its range.
  std::optional<Histogram> shape = Histogram::from_parts({p.highest_ns, p.precision_bits, 0, 0, 0, 0, 0, 0, {}}, &why);
  if (!shape) throw ParseError(n.path + ": " + why);
  Node buckets = n.at("buckets");
  for (size_t i = 0; i < buckets.array().size(); ++i) {
    Node b = buckets.at(i);
    if (!b.v.is_array() || b.v.size() != 3) b.fail("[low_ns, width_ns, count]");
    uint64_t low = 0, width = 0, count = 0;
    read(b.at(0), low), read(b.at(1), width), read(b.at(2), count);
    size_t index = shape->index_of(low);
    if (low > p.highest_ns || shape->bucket_low(index) != low || shape->bucket_width(index) != width)
      throw ParseError(b.path + ": not a bucket of this layout");
    p.buckets.emplace_back(index, count);
  }
  std::optional<Histogram> h = Histogram::from_parts(p, &why);
  if (!h) throw ParseError(n.path + ": " + why);
  return h;
}

std::optional<double> read_optional_real(const Node& n) {
  if (n.v.is_null()) return std::nullopt;
  double v = 0;
  read(n, v);
  return v;
}

TimelinePoint read_point(const Node& n) {
  TimelinePoint p;
  field(n, "t_s", p.t_s), field(n, "completed", p.completed), field(n, "errors", p.errors);
  field(n, "p99_s", p.p99_s), field(n, "server_requests", p.server_requests);
  return p;
}

InjectedEvent read_event(const Node& n) {
  InjectedEvent e;
  field(n, "at_s", e.at_s), field(n, "fired_s", e.fired_s), field(n, "signal", e.signal);
  field(n, "target", e.target), field(n, "pid", e.pid), field(n, "delivered", e.delivered);
  field(n, "effect", e.effect);
  if (has(n, "outcome")) {
    std::string outcome;
    field(n, "outcome", outcome);
    const std::pair<const char*, InjectionOutcome> names[] = {
        {"not_fired", InjectionOutcome::not_fired}, {"not_delivered", InjectionOutcome::not_delivered},
        {"no_effect_timeout", InjectionOutcome::no_effect_timeout}, {"effect_seen", InjectionOutcome::effect_seen}};
    for (const auto& [name, value] : names)
      if (outcome == name) e.outcome = value;
  }
  return e;
}

WorkerRow read_worker(const Node& n) {
  WorkerRow w;
  field(n, "worker_id", w.worker_id), field(n, "index", w.index), field(n, "state", w.state);
  field(n, "requests", w.requests), field(n, "rss_bytes", w.rss_bytes);
  field(n, "cpu_percent", w.cpu_percent), field(n, "cpu_seconds", w.cpu_seconds);
  return w;
}

Reconciliation read_reconciliation(const Node& n) {
  Reconciliation r;
  field(n, "client_completed", r.client_completed), field(n, "client_failed", r.client_failed);
  field(n, "server_delta", r.server_delta), field(n, "aborts_injected", r.aborts_injected);
  field(n, "ok", r.ok), field(n, "verdict", r.verdict);
  if (has(n, "server_before")) {
    r.server_before = read_optional_real(n.at("server_before"));
    r.server_after = read_optional_real(n.at("server_after"));
    field(n, "before_unix_s", r.before_unix_s), field(n, "after_unix_s", r.after_unix_s);
  }
  return r;
}

ClassResult read_class(const Node& n) {
  ClassResult c;
  field(n, "worker_class", c.worker_class), field(n, "target_url", c.target_url);
  Node s = n.at("summary");
  field(s, "duration_s", c.duration_s), field(s, "connections", c.connections);
  field(s, "target_rate", c.target_rate), field(s, "achieved_rate", c.achieved_rate);
  field(s, "requests_sent", c.requests_sent), field(s, "responses", c.responses);
  field(s, "bytes_read", c.bytes_read);
  if (has(s, "bytes_written")) field(s, "bytes_written", c.bytes_written);  // older reports lack it
  c.latency = read_latency(n.at("latency"));
  c.service = read_latency(n.at("service"));
  c.queue = read_latency(n.at("queue"));
  if (has(n, "histograms") && !n.at("histograms").v.is_null()) {
    Node h = n.at("histograms");
    std::optional<Histogram> latency = read_histogram(h.at("latency")), service = read_histogram(h.at("service")),
                             queue = read_histogram(h.at("queue"));
    if (latency && service && queue) c.histograms = ClassHistograms{*latency, *service, *queue};
  }
  if (has(n, "measured_start_unix_s")) field(n, "measured_start_unix_s", c.measured_start_unix_s);
  if (has(n, "start_offset_s")) c.start_offset_s = read_optional_real(n.at("start_offset_s"));
  c.errors = read_errors(n.at("errors"));
  c.timeline = read_array<TimelinePoint>(n.at("timeline"), read_point);
  if (has(n, "timeline_interval_s")) field(n, "timeline_interval_s", c.interval_s);
  if (has(n, "paths"))
    c.paths = read_array<PathLatency>(n.at("paths"), [](const Node& p) {
      PathLatency out;
      field(p, "path", out.path);
      out.latency = read_latency(p.at("latency"));
      if (has(p, "histogram")) out.histogram = read_histogram(p.at("histogram"));
      return out;
    });
  if (has(n, "verdict")) c.verdict = read_verdict(n.at("verdict"));
  c.events = read_array<InjectedEvent>(n.at("events"), read_event);
  c.workers = read_array<WorkerRow>(n.at("workers"), read_worker);
  Node restarts = n.at("master_restarts");
  for (const auto& [reason, value] : restarts.object().items())
    read(Node{value, restarts.path + "/" + reason}, c.master_restarts[reason]);
  c.reconciliation = read_reconciliation(n.at("reconciliation"));
  field(n, "final_scrape", c.final_scrape);
  return c;
}

BenchResult read_result(const Node& root) {
  BenchResult b;
  root.object();
  field(root, "schema_version", b.schema_version);
  if (b.schema_version < 1 || b.schema_version > kBenchSchemaVersion)
    throw ParseError("/schema_version: " + std::to_string(b.schema_version) +
                     " is not supported (this wpm reads versions 1 to " +
                     std::to_string(kBenchSchemaVersion) + ")");
  if (has(root, "verdict")) b.verdict = read_verdict(root.at("verdict"));
  field(root, "interrupted", b.interrupted);
  if (has(root, "execution")) {
    Node e = root.at("execution");
    field(e, "segment_index", b.execution.segment_index), field(e, "segment_count", b.execution.segment_count);
    field(e, "inject_from", b.execution.inject_from);
    b.execution.start_at_unix_s = read_optional_real(e.at("start_at_unix_s"));
    Node from = e.at("merged_from");
    for (size_t i = 0; i < from.array().size(); ++i) read(from.at(i), b.execution.merged_from.emplace_back());
    if (b.execution.segment_count < 1 || b.execution.segment_index >= b.execution.segment_count)
      throw ParseError(e.path + ": segment_index must be below segment_count");
  }
  Node env = root.at("environment");
  field(env, "wpm_version", b.environment.wpm_version), field(env, "hostname", b.environment.hostname);
  field(env, "kernel", b.environment.kernel), field(env, "started_utc", b.environment.started_utc);
  field(env, "cpus", b.environment.cpus);
  Node config = root.at("config");
  for (const auto& [key, value] : config.object().items())
    read(Node{value, config.path + "/" + key}, b.config[key]);
  b.classes = read_array<ClassResult>(root.at("classes"), read_class);
  return b;
}

}  // namespace

Result<BenchResult> parse_bench_json(std::string_view text) {
  try {
    json doc = json::parse(text);
    return read_result(Node{doc, ""});
  } catch (const ParseError& e) {
    return Error{std::string("bench JSON: ") + e.what(), kExitUsage};
  } catch (const json::exception& e) {
    return Error{std::string("bench JSON: ") + e.what(), kExitUsage};
  }
}

}  // namespace wpm
