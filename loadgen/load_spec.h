// What a load run does: target, request mix, concurrency, loop mode, phases and timeouts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "loadgen/execution_segment.h"

namespace wpm::loadgen {

struct LoadSpec {
  std::string host = "127.0.0.1";  // name or literal, resolved once at start
  uint16_t port = 0;
  std::string host_header;  // empty: "host:port"
  std::vector<std::string> paths{"/"};  // request mix, each starting with '/'
  std::vector<double> weights;  // empty: round-robin; else one weight per path (smooth WRR)
  std::string method = "GET";  // any HTTP token
  // Optional, one per path: the method of that path (empty: `method` for all) and the name
  // its latency is reported under (empty: the path itself), e.g. a route template shared by
  // several concrete paths.
  std::vector<std::string> methods;
  std::vector<std::string> labels;
  // Extra request headers, "Name: value" each, sent in order after wpm's own. A Host,
  // User-Agent, Accept or Content-Type given here replaces wpm's; Content-Length,
  // Transfer-Encoding and Connection are wpm's to set (body size, keepalive).
  std::vector<std::string> headers;
  std::string body;  // sent with Content-Length when non-empty
  std::string content_type = "application/octet-stream";
  bool keepalive = true;  // false: `Connection: close`, one connection per request
  // HTTPS: TLS over every connection, SNI and certificate check against `host`. Sessions are
  // resumed on reconnects (one cache per thread), so close mode costs no full handshakes.
  bool tls = false;
  bool tls_verify = true;  // false: any certificate is accepted (curl -k)
  std::string ca_file;     // PEM certificates to trust instead of the system CA store
  uint32_t connections = 16;
  uint32_t threads = 2;  // capped at `connections`
  double rate = 0;       // open loop: total requests/s; 0 = closed loop
  bool poisson = false;  // open loop: exponential inter-arrival instead of constant
  double duration_s = 10;  // measured phase (requests are issued for this long)
  // Measured phase ends after this many requests started (or duration_s, whichever first);
  // 0 = no limit. Split over the threads in proportion to their connections, so no counter is
  // shared on the request path: attempts == max_requests exactly when the duration is not hit.
  uint64_t max_requests = 0;
  double warmup_s = 0;     // issued, drained, then excluded from every result
  // > warm-up start + warmup_s: the warm-up lasts until this CLOCK_MONOTONIC instant (ns)
  // instead, whatever the set-up took (an aligned start, bench --start-at).
  uint64_t warmup_until_ns = 0;
  double connect_timeout_s = 2;   // TCP connect, per attempt
  double request_timeout_s = 10;  // first byte written → last byte of the response
  double stop_drain_s = 1;
  // Width of one timeline point (client series: responses, errors, p99 per interval).
  double timeline_interval_s = 1;  // after stop(): how long in-flight requests may still complete
  uint64_t seed = 1;        // Poisson arrivals are reproducible for a given seed
  // Which share of a distributed scenario this run is (execution_segment.h): connections,
  // rate and max_requests above are already this segment's; the segment places its arrivals
  // (phase, seeds) so that all segments together make the whole scenario's schedule.
  ExecutionSegment segment;
  // Called once, with no request in flight and before the first measured request is issued
  // (after warm-up has drained): the place to scrape server counters for reconciliation.
  // Runs on one of the client threads while the others wait; it may call progress() or
  // stop(), never wait(). Not called when the run was stopped during warm-up.
  std::function<void()> before_measure;
};

// Usage errors (exit 2) for impossible specs; names the offending field.
Status validate(const LoadSpec& spec);

// One "Name: value" header checked: a token name, no CR, LF or NUL in the value. Returns the
// name and the value without surrounding blanks, or a usage error quoting the header.
Result<std::pair<std::string, std::string>> split_header(const std::string& header);

// "PATH" (weight 1) or "PATH:WEIGHT" (WEIGHT a number >= 0). When the text holds a ':', the
// last one always starts the weight, so a path containing ':' is written with an explicit
// weight: "/a:b:1" is path "/a:b", weight 1 ("/a:b" alone is an error, never a silent guess).
Result<std::pair<std::string, double>> split_path_weight(const std::string& text);

}  // namespace wpm::loadgen
