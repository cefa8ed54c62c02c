#include "cli/scrape.h"

#include "core/metric_table.h"
#include "reports/exposition_parse.h"
#include "reports/pushgateway.h"

namespace wpm::cli {

ScrapeTotals totals_of(const std::string& exposition, const std::string& prefix) {
  ScrapeTotals totals;
  totals.text = exposition;
  std::vector<prom::Problem> problems;
  prom::Exposition parsed = prom::parse_exposition(exposition, problems);
  const std::string requests = metric_name(MetricId::worker_requests, prefix);
  const std::string restarts = metric_name(MetricId::master_worker_restart, prefix);
  const std::string cpu = metric_name(MetricId::worker_cpu_seconds, prefix);
  for (const prom::Family& family : parsed.families) {
    for (const prom::Sample& s : family.samples) {
      if (s.name == requests) totals.requests += s.value;
      if (s.name == cpu && !s.labels.empty()) totals.cpu_seconds[s.labels[0].value] = s.value;
      if (s.name != restarts) continue;
      for (const prom::Label& l : s.labels)
        if (l.name == "reason") totals.master_restarts[l.value] += s.value;
    }
  }
  return totals;
}

Result<ScrapeTotals> scrape(const std::string& metrics_url, const std::string& prefix) {
  Result<std::string> body = http_get_text(metrics_url, 5);
  if (!body) return body.error();
  return totals_of(*body, prefix);
}

}  // namespace wpm::cli
