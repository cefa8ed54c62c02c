// The per-worker rows of a class run's reports: every worker that served during the measured
// phase, live or exited, with its figures from the final scrape (the master's own accounting:
// an exited worker's RSS and CPU were sampled just before it was reaped). The state files read
// at the measured start, when an injection's effect was seen and at the end only say which
// index and pid a worker_id had.
#pragma once

#include <vector>

#include "bench/run_record.h"

namespace wpm::bench {

// Live workers first, in the final state file's order, then exited ones by index. Workers that
// had exited before the measured start are left out; so is a worker whose index no state file
// showed (none in practice: every replacement is seen with its injection's effect).
std::vector<WorkerRow> worker_rows(const RunRecord& record);

}  // namespace wpm::bench
