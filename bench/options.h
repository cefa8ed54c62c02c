// What a `wpm bench` run is asked to do: the plain options struct. cli/'s flag model declares
// each field's flag, TOML key, range and help once (cli/bench_options.cc) and fills `config`
// from the same declarations; bench/ only reads it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/names.h"
#include "core/profile.h"
#include "core/result.h"

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
  // The effective options as text, for the report's "config" section (keyed by TOML key).
  std::map<std::string, std::string> config;
};

// Cross-field checks made before anything starts, for every caller of run_bench (cli/ checks
// each value's range as it parses): usage errors (exit 2) naming the flag.
Status validate(const BenchOptions& options);

}  // namespace wpm::bench
