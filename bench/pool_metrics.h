// The server facts of a run, from one channel: the pool's /metrics, parsed with reports'
// exposition parser into a typed struct. (The state file only tells where a pool listens and
// which pid holds which index.)
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/worker_row.h"

namespace wpm::bench {

struct PoolMetrics {
  double requests = 0;  // sum of requests_total over every worker, exited and retired included
  std::map<std::string, double> master_restarts;  // by reason
  // By worker_id, exited workers still retained included: the figures of a row (state,
  // requests, RSS, CPU, uptime); index and pid are not in /metrics.
  std::map<std::string, WorkerRow> workers;
  std::string text;  // the exposition as served
};

// Reads the families named by core's metric table under `prefix`; other samples are ignored.
PoolMetrics parse_pool_metrics(const std::string& exposition, std::string_view prefix);
Result<PoolMetrics> scrape_pool(const std::string& metrics_url, std::string_view prefix);

}  // namespace wpm::bench
