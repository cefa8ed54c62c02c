// What a `wpm bench` run is asked to do: the plain options struct. cli/'s flag model declares
// each field's flag, TOML key, range and help once (cli/bench_options.cc) and fills `config`
// from the same declarations; bench/ only reads it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/metric_table.h"
#include "core/names.h"
#include "core/profile.h"
#include "core/result.h"
#include "loadgen/execution_segment.h"

namespace wpm::bench {

struct InjectSpec {
  double at_s = 0;  // since the measured phase started
  ControlSignal signal = ControlSignal::quit;
  std::optional<uint32_t> worker;  // none = the master
  std::string text;                // as the user wrote it
};

struct BenchOptions {
  std::vector<WorkerClass> classes{WorkerClass::sync, WorkerClass::thread, WorkerClass::eventlet,
                                   WorkerClass::gevent};
  // The pool under test.
  uint32_t workers = 2;
  uint32_t threads = 4;
  uint32_t worker_connections = 1000;
  double worker_timeout_s = 30;
  bool metrics = true;
  // The load.
  double duration_s = 10;
  double warmup_s = 2;
  uint32_t connections = 16;
  uint32_t client_threads = 2;
  double rate = 0;  // 0 = closed loop
  bool poisson = false;
  bool keepalive = true;
  double connect_timeout_s = 2;
  double request_timeout_s = 10;
  std::vector<std::string> paths{"/"};  // "PATH" or "PATH:WEIGHT" (loadgen::split_path_weight)
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value" each
  std::string body;       // the request body (--body, or read from body_file)
  std::string body_file;  // where body was read from, if from a file
  uint64_t requests = 0;  // measured phase ends after this many requests; 0 = duration only
  std::vector<InjectSpec> injects;
  std::string target;  // URL: benchmark it, spawn no pool
  bool insecure = false;  // https target: accept any certificate (curl -k)
  std::string ca_file;    // https target: trust these PEM certificates, not the system store
  // A pool started elsewhere, attached to (external_pool.h): its master's pid, or the name of
  // a `wpm serve`; its /metrics and the per-worker requests counter summed for reconciliation.
  int32_t pool_pid = 0;  // 0 = none
  std::string pool_name;
  std::string pool_metrics;  // URL; for pool_name, default from its state file
  std::string requests_metric = metric_name(MetricId::worker_requests, kDefaultPrefix);
  // A workload profile: the pool serves it (`wpm serve --profile`) and the load is its
  // weighted route mix instead of `paths`. profile_path is absolute; cli/ reads `profile`.
  std::string profile_path;
  std::optional<Profile> profile;
  // Resolution of the client and server timelines (loadgen intervals, scrape schedule).
  double interval_s = 0.1;
  // A class fails (exit 3) when errors / requests that ended exceed this. An injected abort or
  // kill costs the requests in flight on that worker (a handful per signal at 16 connections),
  // far below 1 %; a broken handler or an overloaded pool is far above.
  double max_error_ratio = 0.01;
  // Service-level objective (bench/slo.h), e.g. "p99<50ms,errors<1%": each class's highest
  // open-loop rate within it, found in a closed-loop probe and `slo_steps` bisection runs.
  std::string slo;
  uint32_t slo_steps = 5;
  // Distributed runs: this process runs segment I of N of the scenario above (connections,
  // rate and requests are the whole scenario's; loadgen/execution_segment.h splits them),
  // starts its measured phase at a wall-clock instant, and injects only if it is inject_from.
  std::string segment_text = "0/1";  // as given; cli/ parses it into `segment`
  loadgen::ExecutionSegment segment;
  std::string start_at;                   // as given: RFC 3339 or +DURATION; "" = no alignment
  std::optional<double> start_at_unix_s;  // cli/ resolves start_at into this, once
  uint32_t inject_from = 0;
  // Reports.
  std::string out_dir = "wpm-report";
  std::string json_path, prom_path, html_path;  // default: under out_dir
  bool progress = true;
  // Pushgateway and regression gate.
  std::string push_url, push_job = "wpm_bench";
  std::vector<std::string> push_labels;
  std::string baseline, fail_on;
  double push_timeout_s = 5;
  int push_retries = 3;
  double push_live_interval_s = 0;  // live gauges every interval while measuring; 0 = none
  std::string push_instance;        // live grouping key `instance`; empty: bench/live_push.h
  // The effective options as text, for the report's "config" section (keyed by TOML key).
  std::map<std::string, std::string> config;
};

// True when the run attaches to a pool it did not start (--pool-pid or --pool-name).
inline bool attaches_pool(const BenchOptions& o) { return o.pool_pid != 0 || !o.pool_name.empty(); }

// Cross-field checks made before anything starts, for every caller of run_bench (cli/ checks
// each value's range as it parses): usage errors (exit 2) naming the flag.
Status validate(const BenchOptions& options);

}  // namespace wpm::bench
