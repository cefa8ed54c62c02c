#include "bench/worker_rows.h"

#include <algorithm>
#include <map>
#include <string>

namespace wpm::bench {
namespace {

// worker_id → (index, pid) from every state file the run read; later reads win.
std::map<std::string, WorkerRow> known_workers(const RunRecord& r) {
  std::map<std::string, WorkerRow> out;
  for (const WorkerRow& w : r.started) out[w.worker_id] = w;
  for (const InjectionRecord& i : r.injections)
    if (i.successor) out[i.successor->worker_id] = *i.successor;
  for (const WorkerRow& w : r.discovered) out[w.worker_id] = w;
  return out;
}

bool exited_before(const RunRecord& r, const std::string& worker_id) {
  if (!r.before) return false;
  auto it = r.before->workers.find(worker_id);
  return it != r.before->workers.end() && it->second.state == WorkerState::exited;
}

// A scrape right after a worker started may carry no CPU percentage yet (its sampling window is
// shorter than the sampler's period); its CPU time over its uptime is the master's figure then.
void fill_young_worker(WorkerRow& row, const WorkerRow& from_state) {
  if (row.rss_bytes == 0) row.rss_bytes = from_state.rss_bytes;
  if (row.cpu_percent == 0 && row.cpu_seconds > 0 && row.uptime_seconds > 0)
    row.cpu_percent = 100 * row.cpu_seconds / row.uptime_seconds;
  if (row.cpu_percent == 0) row.cpu_percent = from_state.cpu_percent;
}

}  // namespace

std::vector<WorkerRow> worker_rows(const RunRecord& r) {
  std::vector<WorkerRow> live, exited;
  if (!r.after) return live;
  std::map<std::string, WorkerRow> known = known_workers(r);
  for (const auto& [id, scraped] : r.after->workers) {
    auto where = known.find(id);
    if (where == known.end() || exited_before(r, id)) continue;
    WorkerRow row = scraped;
    row.index = where->second.index;
    row.pid = where->second.pid;
    row.times = where->second.times;
    fill_young_worker(row, where->second);
    (row.state == WorkerState::exited ? exited : live).push_back(std::move(row));
  }
  auto order = [&r](const WorkerRow& w) {
    auto it = std::find_if(r.discovered.begin(), r.discovered.end(),
                           [&w](const WorkerRow& d) { return d.worker_id == w.worker_id; });
    return it - r.discovered.begin();
  };
  std::stable_sort(live.begin(), live.end(),
                   [&](const WorkerRow& a, const WorkerRow& b) { return order(a) < order(b); });
  std::stable_sort(exited.begin(), exited.end(),
                   [](const WorkerRow& a, const WorkerRow& b) { return a.index < b.index; });
  live.insert(live.end(), exited.begin(), exited.end());
  return live;
}

}  // namespace wpm::bench
