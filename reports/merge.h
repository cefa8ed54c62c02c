// `wpm report merge`: the reports of N generators (one per --segment) merged into the report
// one generator would have written for the whole scenario.
//
// Exact where the inputs are: histograms merge counter by counter (the merged p99 is the p99
// of all samples at the histogram's resolution), counts, bytes and errors by kind add up.
// The timeline is aligned on wall time: each generator's point goes to the merged interval its
// wall-clock start falls nearest to; completed and errors add up, p99 is the largest of the
// generators' p99 in that interval (an upper bound: per-interval histograms are not kept).
// The duration is the union of the measured windows (earliest start to latest end).
//
// The server side: when every report drove the same URL (one pool), its requests_total delta is
// taken from the earliest "before" scrape to the latest "after" one, and server timeline points
// and restarts are the largest any generator saw; reports of different URLs (a pool each) add up.
#pragma once

#include <string>
#include <vector>

#include "core/bench_result.h"
#include "core/result.h"

namespace wpm {

struct NamedReport {
  std::string name;  // the file it came from, for messages
  BenchResult result;
};

// Usage errors (exit 2) naming the reports: none given, different schema versions, reports
// without lossless histograms (older than schema 3), different scenarios (options other than
// the segment, start instant, injection and report/push settings), different worker classes,
// histogram layouts or timeline intervals, different segment counts or a segment given twice.
Result<BenchResult> merge_reports(const std::vector<NamedReport>& reports);

// The option keys that may differ between the generators of one scenario.
bool is_per_generator_key(const std::string& config_key);

}  // namespace wpm
