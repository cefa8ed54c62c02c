// The --slo search and recommendation as text for the console and the HTML report.
#pragma once

#include <string>

#include "core/bench_result.h"

namespace wpm {

// "p99<50ms: 96 req/s within it (probe 101 req/s; tried 101 no, 50.5 yes, …)".
std::string describe_slo_search(const SloSearch& search);
// "eventlet with 2 workers: 1,840 req/s within p99<50ms (sync 96, eventlet 1,840)", or why
// none was picked.
std::string describe_recommendation(const BenchResult& result);

}  // namespace wpm
