// The one in-memory result of a `wpm bench` run. loadgen measures, bench/ fills this struct, and
// every report (console, JSON, Prometheus text, HTML, Pushgateway) is rendered from it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/histogram.h"
#include "core/worker_row.h"

namespace wpm {

// 2: timeline interval, per-path latency, verdicts, gate, the master's injection times.
// 3: lossless histograms, wall-clock timeline, execution segment and start offset (merge).
inline constexpr int kBenchSchemaVersion = 3;

struct PercentilePoint {
  double percentile = 0;  // 0 … 100
  double seconds = 0;
};

struct LatencySummary {
  uint64_t count = 0;
  double min_s = 0, mean_s = 0, max_s = 0, stdev_s = 0;
  double p50_s = 0, p90_s = 0, p99_s = 0, p999_s = 0;
  std::vector<PercentilePoint> spectrum;  // the full percentile spectrum, log-spaced
};

// Client-side errors, counted exactly by kind.
struct ErrorCounts {
  uint64_t connect = 0, write = 0, read = 0, reset = 0, timeout = 0, parse = 0;
  std::map<int, uint64_t> status;  // non-2xx/3xx responses by status code
  uint64_t transport() const { return connect + write + read + reset + timeout + parse; }
};

// One interval of the measured phase (ClassResult::interval_s wide, 100 ms by default).
struct TimelinePoint {
  double t_s = 0;          // start of the interval, seconds since the measured phase started
  uint64_t completed = 0;  // responses in this interval
  uint64_t errors = 0;
  double p99_s = 0;
  uint64_t server_requests = 0;  // delta of sum(requests_total) in this interval (scrape)
};

// The latency of one path of the request mix (intended send → response).
struct PathLatency {
  std::string path;
  LatencySummary latency;  // without the spectrum
  std::optional<Histogram> histogram;  // lossless (schema 3); absent in older reports
};

// The run-long histograms behind ClassResult's summaries, kept whole so that reports of
// several generators merge exactly (schema 3).
struct ClassHistograms {
  Histogram latency, service, queue;
};

// How an injected signal ended; `delivered` and `effect` below are derived from it.
enum class InjectionOutcome : uint8_t {
  not_fired,          // the run ended (or was interrupted) before its time
  not_delivered,      // no such worker, or kill() failed
  no_effect_timeout,  // delivered; its effect was not seen within the wait
  effect_seen,        // delivered and its effect observed
};

// Moments of one injection, in seconds since the measured phase started; empty when not
// observed. worker_gone (the master reaped it), replacement_spawned, replacement_ready and
// first_request are the master's own records (core/worker_times.h) when it has them, else the
// times a 20 ms poll first saw each step; effect_seen is always the poll's.
struct InjectionTimes {
  std::optional<double> signal_sent, worker_gone, replacement_spawned, replacement_ready,
      first_request, effect_seen;
  bool exact = false;  // the four replacement steps come from the master
};

struct InjectedEvent {
  double at_s = 0;  // planned, since the measured phase started
  double fired_s = 0;
  std::string signal;  // "quit", "abort", …
  std::string target;  // "master" or "worker=K"
  int32_t pid = 0;
  bool delivered = false;
  std::string effect;  // measured: e.g. "worker 0 replaced in 0.12 s (reason=abort)"
  InjectionOutcome outcome = InjectionOutcome::not_fired;
  InjectionTimes times;
};

struct Reconciliation {
  uint64_t client_completed = 0;  // responses the client received (any status)
  uint64_t client_failed = 0;     // requests the client sent that got no response
  uint64_t server_delta = 0;      // delta of sum(requests_total), exited workers included
  bool aborts_injected = false;
  bool ok = false;
  std::string verdict;  // one readable sentence
  // The two scrapes behind server_delta (absolute sums, wall-clock times), when a pool was
  // scraped: a merge of generators sharing one pool takes the earliest before, latest after.
  std::optional<double> server_before, server_after;
  double before_unix_s = 0, after_unix_s = 0;
};

// Whether a class run (or the whole run) measured something meaningful; each reason is one
// readable sentence, e.g. "no successful response".
struct Verdict {
  bool passed = true;
  std::vector<std::string> reasons;
};

// One run of an SLO search: the open-loop rate asked for and what it gave.
struct SloStep {
  double rate = 0;  // 0 = the closed-loop probe
  double achieved_rate = 0;
  double latency_s = 0;  // at the objective's percentile
  double error_ratio = 0;
  bool met = false;
};

// The search for the highest open-loop rate a class sustains within the objective.
struct SloSearch {
  std::string objective;  // as written, e.g. "p99<50ms,errors<1%"
  bool met = false;       // some rate met it
  double max_rate = 0;    // the highest rate that met it (0 when none did)
  std::vector<SloStep> steps;
};

// The class to pick on this machine for the objective, from the searches.
struct Recommendation {
  std::string objective;
  std::string worker_class;  // empty: no class met the objective
  uint32_t workers = 0, threads = 0;
  double rate = 0;  // its highest rate within the objective
  // Classes whose answer is within 5 % of the pick's: the search cannot tell them apart.
  std::vector<std::string> ties;
  // The pick's answer reached its closed-loop probe: the client's --connections, not the
  // pool, may be the limit.
  bool client_bound = false;
};

struct ClassResult {
  std::string worker_class;  // "sync", … or "target" for --target runs
  std::string target_url;
  double duration_s = 0;
  uint32_t connections = 0;
  double target_rate = 0;  // 0 = closed loop
  double achieved_rate = 0;
  uint64_t requests_sent = 0;
  uint64_t responses = 0;  // completed with any status
  uint64_t bytes_read = 0;     // by the client: response heads and bodies
  uint64_t bytes_written = 0;  // by the client: requests (heads and bodies)
  double read_bytes_per_s() const { return duration_s > 0 ? bytes_read / duration_s : 0; }
  double written_bytes_per_s() const { return duration_s > 0 ? bytes_written / duration_s : 0; }
  LatencySummary latency;  // intended send → response (coordinated-omission free)
  LatencySummary service;  // actual send → response
  LatencySummary queue;    // intended → actual send
  std::optional<ClassHistograms> histograms;  // lossless (schema 3)
  // Wall-clock (unix seconds) instant the measured phase began: timeline point i covers
  // [measured_start_unix_s + t_s, + interval_s). 0 when unknown (older reports).
  double measured_start_unix_s = 0;
  std::optional<double> start_offset_s;  // measured start − the --start-at instant
  ErrorCounts errors;
  double interval_s = 1;  // width of each timeline point
  std::vector<TimelinePoint> timeline;
  std::vector<PathLatency> paths;  // one per path of the mix, in the order given
  std::vector<InjectedEvent> events;
  std::vector<WorkerRow> workers;  // the live workers at the end (pid and uptime not reported)
  std::map<std::string, uint64_t> master_restarts;  // by reason, delta over the run
  Reconciliation reconciliation;
  Verdict verdict;  // reconciliation, successful responses, injections, error ratio
  std::string final_scrape;  // the pool's last /metrics text
  // With --slo: the search; the figures above are then those of its best run (the highest
  // rate that met the objective, else the closed-loop probe).
  std::optional<SloSearch> slo;
};

// One check of the regression gate for one class.
struct GateCheck {
  std::string worker_class;
  std::string check;  // as written, e.g. "p99>+10%"
  double baseline = 0, current = 0, limit = 0;
  bool has_baseline = false;
  bool failed = false;
};

// The regression gate's outcome (--fail-on, optionally against --baseline).
struct GateResult {
  bool applied = false;  // --fail-on given
  bool passed = true;
  std::string fail_on, baseline_path;
  std::vector<GateCheck> checks;
  std::vector<std::string> notes;     // classes missing on one side, checks skipped
  std::vector<std::string> warnings;  // the baseline ran another scenario
};

struct BenchEnvironment {
  std::string wpm_version, hostname, kernel, started_utc;
  uint32_t cpus = 0;
};

// Which share of a distributed scenario this report holds (--segment I/N) and how its start
// was aligned (--start-at); a merged report lists the reports it was merged from.
struct ExecutionInfo {
  uint32_t segment_index = 0, segment_count = 1;
  uint32_t inject_from = 0;
  std::optional<double> start_at_unix_s;
  std::vector<std::string> merged_from;
};

struct BenchResult {
  int schema_version = kBenchSchemaVersion;
  ExecutionInfo execution;
  BenchEnvironment environment;
  std::map<std::string, std::string> config;  // the effective options, as text
  std::vector<ClassResult> classes;
  bool interrupted = false;  // Ctrl-C: a partial report
  Verdict verdict;           // every class's reasons, prefixed by its name
  GateResult gate;
  std::optional<Recommendation> recommendation;  // with --slo
};

}  // namespace wpm
