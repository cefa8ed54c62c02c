#include "core/state_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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
  if (create) {
    if (Status s = make_private_dir(root); !s) return s.error();
    if (Status s = make_private_dir(dir); !s) return s.error();
  }
  return dir;
}

std::string state_file_path(const std::string& dir) { return dir + "/state.json"; }

std::string to_json(const PoolState& s, int indent) {
  json workers = json::array();
  for (const WorkerRow& w : s.workers) {
    json row{{"index", w.index}, {"worker_id", w.worker_id}, {"pid", w.pid},
             {"state", std::string(to_string(w.state))}, {"requests", w.requests},
             {"rss_bytes", w.rss_bytes}, {"cpu_percent", w.cpu_percent},
             {"uptime_seconds", w.uptime_seconds}};
    put_times(row, w.times);
    workers.push_back(std::move(row));
  }
  json j{{"name", s.name}, {"master_pid", s.master_pid}, {"worker_class", s.worker_class},
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
      s.workers.push_back(std::move(r));
    }
    return s;
  } catch (const std::exception& e) {
    return Error{std::string("malformed state file: ") + e.what()};
  }
}

Status write_state_file(const std::string& dir, const PoolState& state) {
  std::string path = state_file_path(dir);
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_error("open " + tmp);
  std::string text = to_json(state, 2) + "\n";
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = errno_error("write " + tmp);
      close(fd);
      return e;
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) return errno_error("rename " + tmp + " to " + path);
  return {};
}

Result<PoolState> read_state_file(const std::string& name) {
  Result<std::string> dir = runtime_dir(name, false);
  if (!dir) return dir.error();
  std::string path = state_file_path(*dir);
  std::ifstream in(path);
  if (!in)
    return Error{"no running pool named '" + name + "' (no state file at " + path + ")"};
  std::stringstream buf;
  buf << in.rdbuf();
  Result<PoolState> state = parse_pool_state(buf.str());
  if (!state) return Error{path + ": " + state.error().message};
  if (state->master_pid <= 0 || (kill(state->master_pid, 0) != 0 && errno == ESRCH))
    return Error{"no running pool named '" + name + "' (stale state file " + path +
                 ", master pid " + std::to_string(state->master_pid) + " is gone)"};
  return state;
}

Status remove_state_file(const std::string& name) {
  Result<std::string> dir = runtime_dir(name, false);
  if (!dir) return dir.error();
  std::string path = state_file_path(*dir);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("unlink " + path);
  return {};
}

}  // namespace wpm
