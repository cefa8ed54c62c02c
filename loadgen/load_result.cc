#include "loadgen/load_result.h"

#include "core/histogram_summary.h"

namespace wpm::loadgen {

ErrorCounts LoadResult::errors() const {
  ErrorCounts e;
  e.connect = counts.connect;
  e.write = counts.write;
  e.read = counts.read;
  e.reset = counts.reset;
  e.timeout = counts.timeout;
  e.parse = counts.parse;
  for (size_t code = 0; code < counts.status.size(); ++code) {
    bool ok = code >= 200 && code < 400;
    if (!ok && counts.status[code] > 0) e.status[static_cast<int>(code)] = counts.status[code];
  }
  return e;
}

namespace {

// One entry per distinct path, in the order given: a path listed twice is one entry.
std::vector<PathLatency> path_latencies(const LoadResult& result) {
  std::vector<PathLatency> out;
  std::vector<Histogram> merged;
  for (size_t i = 0; i < result.paths.size() && i < result.path_latency.size(); ++i) {
    size_t at = 0;
    while (at < out.size() && out[at].path != result.paths[i]) ++at;
    if (at == out.size()) {
      out.push_back({result.paths[i], {}});
      merged.emplace_back();
    }
    merged[at].merge(result.path_latency[i]);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].latency = summarize(merged[i]);
    out[i].latency.spectrum.clear();
    out[i].histogram = std::move(merged[i]);
  }
  return out;
}

}  // namespace

void fill_class_result(const LoadResult& result, ClassResult& out) {
  out.duration_s = result.duration_s;
  out.connections = result.connections;
  out.target_rate = result.target_rate;
  out.achieved_rate = result.achieved_rate();
  out.requests_sent = result.counts.sent;
  out.responses = result.counts.responses;
  out.bytes_read = result.counts.bytes_read;
  out.bytes_written = result.counts.bytes_written;
  out.latency = summarize(result.latency);
  out.service = summarize(result.service);
  out.queue = summarize(result.queue);
  out.histograms = ClassHistograms{result.latency, result.service, result.queue};
  out.errors = result.errors();
  out.interval_s = result.interval_s;
  out.timeline = result.timeline;
  out.paths = path_latencies(result);
  out.reconciliation.client_completed = result.counts.responses;
  out.reconciliation.client_failed = result.sent_no_response();
}

}  // namespace wpm::loadgen
