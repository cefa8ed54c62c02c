#include "bench/proc_pool.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "core/clock.h"
#include "core/process_identity.h"

namespace wpm::bench {
namespace {

bool alive(const ProcStat& s) { return s.state != 'Z' && s.state != 'X'; }

// A wpm master's fork server (workers/fork_server.h) is its child but serves nothing: ps and
// /proc/<pid>/cmdline show it as `wpm-worker fork-server …`.
bool is_wpm_fork_server(int32_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string program, role;
  std::getline(in, program, '\0');
  std::getline(in, role, '\0');
  return role.rfind("fork-server ", 0) == 0;
}

// /proc has no children list on every kernel (CONFIG_PROC_CHILDREN): scan every pid's ppid.
std::vector<ProcProcess> scan_children(int32_t parent) {
  std::vector<ProcProcess> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 0) continue;
    std::optional<ProcStat> s = read_proc_stat(static_cast<int32_t>(pid));
    if (s && s->ppid == parent && alive(*s) && !is_wpm_fork_server(static_cast<int32_t>(pid)))
      out.push_back({static_cast<int32_t>(pid), s->start_time});
  }
  closedir(dir);
  return out;
}

struct Usage {
  uint64_t rss_bytes = 0;
  double cpu_seconds = 0;  // utime + stime
};

// RSS (/proc/<pid>/statm) and CPU time (/proc/<pid>/stat fields 14 and 15) of a live process.
std::optional<Usage> read_usage(int32_t pid) {
  static const long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
  std::string base = "/proc/" + std::to_string(pid);
  std::ifstream stat(base + "/stat"), statm(base + "/statm");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  uint64_t utime = 0, stime = 0, size = 0, rss = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 3 && (field == "Z" || field == "X")) return std::nullopt;
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  if (!(statm >> size >> rss)) return std::nullopt;
  return Usage{rss * static_cast<uint64_t>(page > 0 ? page : 4096),
               static_cast<double>(utime + stime) / static_cast<double>(hz > 0 ? hz : 100)};
}

std::string comm_of(int32_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

std::vector<ProcProcess> live_children(int32_t parent) {
  std::vector<ProcProcess> out = scan_children(parent);
  std::sort(out.begin(), out.end(), [](const ProcProcess& a, const ProcProcess& b) {
    return a.start_time != b.start_time ? a.start_time < b.start_time : a.pid < b.pid;
  });
  return out;
}

// Start times count from boot including suspend (CLOCK_BOOTTIME); WorkerTimes are monotonic.
uint64_t start_time_to_monotonic_ns(uint64_t start_ticks) {
  static const long hz = sysconf(_SC_CLK_TCK);
  timespec boot{}, mono{};
  clock_gettime(CLOCK_BOOTTIME, &boot);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  int64_t offset = (boot.tv_sec - mono.tv_sec) * 1'000'000'000LL + (boot.tv_nsec - mono.tv_nsec);
  int64_t since_boot = static_cast<int64_t>(start_ticks) * (1'000'000'000LL / (hz > 0 ? hz : 100));
  return since_boot > offset ? static_cast<uint64_t>(since_boot - offset) : 0;
}

std::string master_problem(int32_t pid) {
  std::string who = "pid " + std::to_string(pid);
  if (pid <= 1) return who + " cannot be a pool's master";
  if (pid == getpid()) return who + " is wpm itself";
  std::optional<ProcStat> s = read_proc_stat(pid);
  if (!s || !alive(*s)) return "no running process with " + who;
  if (kill(pid, 0) != 0)
    return errno == EPERM ? "not permitted to signal " + who + " (another user's process)"
                          : "no running process with " + who;
  if (live_children(pid).empty()) return who + " has no child processes (is it the pool's master?)";
  return "";
}

void WorkerIndex::update(const std::vector<ProcProcess>& live, uint64_t now_ns) {
  std::set<int32_t> now;
  for (const ProcProcess& p : live) now.insert(p.pid);
  for (auto it = live_.begin(); it != live_.end();) {
    bool same = now.count(it->first) != 0;
    for (const ProcProcess& p : live)
      if (p.pid == it->first && p.start_time != it->second.process.start_time) same = false;
    if (same) {
      ++it;
      continue;
    }
    vacated_[it->second.index] = {it->first, now_ns};
    it = live_.erase(it);
  }
  for (const ProcProcess& p : live) {
    if (live_.count(p.pid) != 0) continue;
    Entry e;
    e.index = lowest_free_index();
    e.process = p;
    e.seen_ns = now_ns;
    if (auto v = vacated_.find(e.index); v != vacated_.end()) {
      e.replaced_pid = v->second.pid;
      e.replaced_death_ns = v->second.since_ns;
      vacated_.erase(v);
    }
    live_[p.pid] = e;
  }
}

void WorkerIndex::note_served(const std::set<int32_t>& pids, uint64_t now_ns) {
  for (auto& [pid, e] : live_)
    if (e.first_request_ns == 0 && pids.count(pid) != 0) e.first_request_ns = now_ns;
}

uint32_t WorkerIndex::lowest_free_index() const {
  std::set<uint32_t> taken;
  for (const auto& [pid, e] : live_) taken.insert(e.index);
  uint32_t i = 0;
  while (taken.count(i) != 0) ++i;
  return i;
}

Result<ProcPool> ProcPool::attach(int32_t master_pid) {
  if (std::string why = master_problem(master_pid); !why.empty()) return Error{why, kExitUsage};
  std::optional<ProcStat> s = read_proc_stat(master_pid);
  if (!s) return Error{"no running process with pid " + std::to_string(master_pid), kExitUsage};
  ProcPool pool(ProcProcess{master_pid, s->start_time});
  pool.master_name_ = comm_of(master_pid);
  return pool;
}

void ProcPool::note_served(const std::set<int32_t>& pids) { index_.note_served(pids, monotonic_ns()); }

WorkerRow ProcPool::row_of(const WorkerIndex::Entry& e, uint64_t now_ns) const {
  WorkerRow row;
  row.index = e.index;
  row.pid = e.process.pid;
  row.worker_id = std::to_string(e.process.pid);
  row.start_time = e.process.start_time;
  row.state = e.first_request_ns != 0 || !per_worker_series_ ? WorkerState::running : WorkerState::booting;
  row.times.spawn_ns = start_time_to_monotonic_ns(e.process.start_time);
  row.times.first_request_ns = e.first_request_ns;
  row.times.replaced_pid = e.replaced_pid;
  row.times.replaced_death_ns = e.replaced_death_ns;
  if (now_ns > row.times.spawn_ns) row.uptime_seconds = ns_to_seconds(now_ns - row.times.spawn_ns);
  if (std::optional<Usage> u = read_usage(e.process.pid)) {
    row.rss_bytes = u->rss_bytes;
    row.cpu_seconds = u->cpu_seconds;
    // Over its whole life: one look has no earlier sample to take a window from.
    if (row.uptime_seconds > 0) row.cpu_percent = 100 * row.cpu_seconds / row.uptime_seconds;
  }
  return row;
}

Result<PoolState> ProcPool::look() {
  if (!same_process(master_.pid, master_.start_time))
    return Error{"the pool's master (pid " + std::to_string(master_.pid) + ") has exited"};
  uint64_t now = monotonic_ns();
  index_.update(live_children(master_.pid), now);
  PoolState state;
  state.name = master_name_.empty() ? "pid " + std::to_string(master_.pid) : master_name_;
  state.master_pid = master_.pid;
  state.master_start_time = master_.start_time;
  state.updated_unix = unix_seconds();
  state.updated_monotonic_ns = now;
  for (const auto& [pid, e] : index_.live()) state.workers.push_back(row_of(e, now));
  std::sort(state.workers.begin(), state.workers.end(),
            [](const WorkerRow& a, const WorkerRow& b) { return a.index < b.index; });
  return state;
}

}  // namespace wpm::bench
