#include "core/state_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/process_identity.h"
#include "core/safe_file.h"
#include "core/unique_fd.h"

namespace wpm {
namespace {

using nlohmann::json;

Status make_private_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return errno_error("mkdir " + path);
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0) return errno_error("stat " + path);
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
    return Error{path + " is not a directory owned by this user; refusing to use it"};
  if ((st.st_mode & 0077) != 0 && chmod(path.c_str(), 0700) != 0)
    return errno_error("chmod 0700 " + path);
  return {};
}

// A directory that exists must be ours and private before anything in it is believed: a
// /tmp/wpm-<uid> made by another user could otherwise feed `wpm signal` a state file.
Status check_private_dir(const std::string& path) {
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0) return {};  // absent: the lookups say so themselves
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 0022) != 0)
    return Error{path + " is not a private directory owned by this user; refusing to use it"};
  return {};
}

bool valid_pool_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

// Replacement timing of one worker (WorkerTimes): flat fields, absent in older files.
void put_times(json& row, const WorkerTimes& t) {
  row["spawn_ns"] = t.spawn_ns;
  row["ready_ns"] = t.ready_ns;
  row["first_request_ns"] = t.first_request_ns;
  row["replaced_pid"] = t.replaced_pid;
  row["replaced_death_ns"] = t.replaced_death_ns;
}

WorkerTimes get_times(const json& row) {
  WorkerTimes t;
  t.spawn_ns = row.value("spawn_ns", uint64_t{0});
  t.ready_ns = row.value("ready_ns", uint64_t{0});
  t.first_request_ns = row.value("first_request_ns", uint64_t{0});
  t.replaced_pid = row.value("replaced_pid", int32_t{0});
  t.replaced_death_ns = row.value("replaced_death_ns", uint64_t{0});
  return t;
}

}  // namespace

Result<std::string> runtime_dir(const std::string& name, bool create) {
  if (!valid_pool_name(name))
    return Error{"invalid pool name '" + name + "' (letters, digits, '-', '_', '.')", kExitUsage};
  std::string root;
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && *xdg == '/') root = std::string(xdg) + "/wpm";
  else root = "/tmp/wpm-" + std::to_string(getuid());
  std::string dir = root + "/" + name;
  for (const std::string& path : {root, dir}) {
    Status s = create ? make_private_dir(path) : check_private_dir(path);
    if (!s) return s.error();
  }
  return dir;
}

std::string state_file_path(const std::string& dir) { return dir + "/state.json"; }
std::string master_lock_path(const std::string& dir) { return dir + "/master.lock"; }

bool master_lock_held(const std::string& dir) {
  std::string path = master_lock_path(dir);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return false;
  // A shared lock conflicts only with the master's exclusive one; closing the fd drops it at
  // once (a master starting in this instant retries its lock, supervisor/instance.cc).
  int rc;
  do rc = ::flock(fd.get(), LOCK_SH | LOCK_NB);
  while (rc != 0 && errno == EINTR);
  return rc != 0 && errno == EWOULDBLOCK;
}

std::string to_json(const PoolState& s, int indent) {
  json workers = json::array();
  for (const WorkerRow& w : s.workers) {
    json row{{"index", w.index}, {"worker_id", w.worker_id}, {"pid", w.pid},
             {"state", std::string(to_string(w.state))}, {"requests", w.requests},
             {"rss_bytes", w.rss_bytes}, {"cpu_percent", w.cpu_percent},
             {"uptime_seconds", w.uptime_seconds}};
    put_times(row, w.times);
    row["start_time"] = w.start_time;
    workers.push_back(std::move(row));
  }
  json j{{"name", s.name}, {"master_pid", s.master_pid},
         {"master_start_time", s.master_start_time}, {"worker_class", s.worker_class},
         {"bind", s.bind}, {"metrics_bind", s.metrics_bind}, {"updated_unix", s.updated_unix},
         {"updated_monotonic_ns", s.updated_monotonic_ns}, {"workers", workers}};
  return j.dump(indent);
}

Result<PoolState> parse_pool_state(const std::string& text) {
  try {
    json j = json::parse(text);
    PoolState s;
    s.name = j.at("name").get<std::string>();
    s.master_pid = j.at("master_pid").get<int32_t>();
    s.master_start_time = j.value("master_start_time", uint64_t{0});
    s.worker_class = j.at("worker_class").get<std::string>();
    s.bind = j.at("bind").get<std::string>();
    s.metrics_bind = j.at("metrics_bind").get<std::string>();
    s.updated_unix = j.value("updated_unix", 0.0);
    s.updated_monotonic_ns = j.value("updated_monotonic_ns", uint64_t{0});
    for (const json& w : j.at("workers")) {
      WorkerRow r;
      r.index = w.at("index").get<uint32_t>();
      r.worker_id = w.at("worker_id").get<std::string>();
      r.pid = w.at("pid").get<int32_t>();
      std::string state = w.at("state").get<std::string>();
      auto parsed = parse_name<WorkerState>(state, kWorkerStateNames);
      if (!parsed) return Error{"malformed state file: unknown worker state '" + state + "'"};
      r.state = *parsed;
      r.requests = w.value("requests", uint64_t{0});
      r.rss_bytes = w.value("rss_bytes", uint64_t{0});
      r.cpu_percent = w.value("cpu_percent", 0.0);
      r.uptime_seconds = w.value("uptime_seconds", 0.0);
      r.times = get_times(w);
      r.start_time = w.value("start_time", uint64_t{0});
      s.workers.push_back(std::move(r));
    }
    return s;
  } catch (const std::exception& e) {
    return Error{std::string("malformed state file: ") + e.what()};
  }
}

Status write_state_file(const std::string& dir, const PoolState& state) {
  return replace_file(state_file_path(dir), to_json(state, 2) + "\n");
}

Result<PoolLookup> lookup_pool(const std::string& name) {
  Result<std::string> dir = runtime_dir(name, false);
  if (!dir) return dir.error();
  PoolLookup lookup;
  lookup.name = name;
  lookup.path = state_file_path(*dir);
  struct stat st{};
  if (::lstat(lookup.path.c_str(), &st) != 0 && errno == ENOENT)
    return Error{"no running pool named '" + name + "' (no state file at " + lookup.path + ")"};
  Result<std::string> text = read_file_nofollow(lookup.path);
  if (!text) return text.error();
  Result<PoolState> state = parse_pool_state(*text);
  if (!state) return Error{lookup.path + ": " + state.error().message};
  lookup.state = std::move(*state);
  lookup.state.name = name;  // the directory names the pool, whatever the file says
  bool recorded_process = lookup.state.master_pid > 1 &&
                          same_process(lookup.state.master_pid, lookup.state.master_start_time);
  if (!master_lock_held(*dir)) lookup.master = MasterStatus::stale;
  else lookup.master = recorded_process ? MasterStatus::alive : MasterStatus::starting;
  return lookup;
}

std::string not_alive_message(const PoolLookup& l) {
  std::string pool = "pool '" + l.name + "'";
  std::string pid = std::to_string(l.state.master_pid);
  if (l.master == MasterStatus::starting)
    return pool + " is locked by a master that its state file does not describe (the file names"
                  " pid " + pid + "; a master still starting?)";
  return pool + " is not running (stale state from pid " + pid + ")";
}

Result<PoolState> read_state_file(const std::string& name) {
  Result<PoolLookup> lookup = lookup_pool(name);
  if (!lookup) return lookup.error();
  if (lookup->master != MasterStatus::alive) return Error{not_alive_message(*lookup)};
  return std::move(lookup->state);
}

Status remove_state_file(const std::string& name) {
  Result<std::string> dir = runtime_dir(name, false);
  if (!dir) return dir.error();
  std::string path = state_file_path(*dir);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("unlink " + path);
  return {};
}

}  // namespace wpm
