// What a finished load run measured, and its conversion into core's ClassResult.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bench_result.h"
#include "loadgen/counts.h"
#include "loadgen/histogram.h"

namespace wpm::loadgen {

struct LoadResult {
  bool measured = false;       // false: stopped before the measured phase began
  bool stopped_early = false;  // stop() was called
  double duration_s = 0;  // measured issuing window (shorter than asked when stopped)
  double drain_s = 0;     // time the in-flight requests took to finish after the window
  double target_rate = 0;  // 0 = closed loop
  uint32_t connections = 0, threads = 0;
  Counts counts;         // measured phase only
  Counts warmup_counts;  // warm-up phase, for information
  // Responses (any status) and timeouts; intended send → completion (coordinated-omission
  // free), attempt start → completion, intended → attempt start. Closed loop: queue = 0.
  Histogram latency, service, queue;
  double interval_s = 1;  // timeline resolution
  std::vector<TimelinePoint> timeline;  // one point per interval of the measured phase (+ drain)
  std::vector<std::string> paths;       // the request mix, as given (or its labels)
  std::vector<Histogram> path_latency;  // latency of each path of the mix (same order)
  std::string tls_protocol, tls_cipher;  // https: what the probe handshake negotiated

  // Responses completed within the window over its length (not the drain's, Counts).
  double achieved_rate() const {
    return duration_s > 0 ? static_cast<double>(counts.responses_in_window) / duration_s : 0;
  }
  double issue_rate() const { return duration_s > 0 ? counts.attempts / duration_s : 0; }
  // Requests completely written that got no complete response (timeouts, resets, read and
  // parse errors after the write, abandoned): the server may or may not have counted them.
  uint64_t sent_no_response() const { return counts.sent - counts.responses; }
  ErrorCounts errors() const;
};

// Fills the load-generator fields of a ClassResult (rates, counts, latency/service/queue
// summaries, errors, timeline, reconciliation client side). Leaves the pool fields alone.
void fill_class_result(const LoadResult& result, ClassResult& out);

}  // namespace wpm::loadgen
