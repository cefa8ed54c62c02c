// Reading a pool's /metrics for the bench: totals the reconciliation and the timeline need.
#pragma once

#include <map>
#include <string>

#include "core/result.h"

namespace wpm::cli {

struct ScrapeTotals {
  double requests = 0;  // sum(requests_total) over every worker, exited and retired included
  std::map<std::string, double> master_restarts;  // by reason
  std::map<std::string, double> cpu_seconds;      // by worker_id
  std::string text;
};

ScrapeTotals totals_of(const std::string& exposition, const std::string& prefix);
Result<ScrapeTotals> scrape(const std::string& metrics_url, const std::string& prefix);

}  // namespace wpm::cli
