// Entry point of wpm_supervisor_test. Besides running the tests, this binary plays two roles
// when re-executed by them:
//   <bin> master key=value …   a real master (run_master) whose self_exe is this binary;
//   <bin> worker --listen-fd … a fake worker speaking the worker side of the contract
//                               (slot state, readiness notification, heartbeat, recorded exit
//                               reasons and first request, max_requests with a successor asked
//                               for near the limit, a tiny HTTP 200);
//   <bin> fdlist FILE          writes its open fds and signal masks to FILE (spawner tests).
// The fake worker's behaviour is chosen by WPM_FAKE_MODE (or WPM_FAKE_MODE_<index>):
//   serve (default), hang (stops heartbeating once running), noboot (never reaches running),
//   crash (exits 1 at once, nothing recorded), usage (exits 2 while booting),
//   stubborn (ignores QUIT, TERM and INT). WPM_FAKE_ARGV_DIR=D makes it write its argv to
//   D/argv-<pid>, one argument per line; WPM_FAKE_READY_DIR=D the time it notified readiness.
#include <dirent.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/clock.h"
#include "core/segment.h"
#include "core/slot_ops.h"
#include "supervisor/master.h"
#include "workers/successor.h"
#include "test_support.h"

namespace {

using namespace wpm;

std::atomic<int> g_stop_signal{0};
std::atomic<int> g_usr1{0};
SlotHot* g_hot = nullptr;

void on_stop(int sig) { g_stop_signal.store(sig); }
void on_usr1(int) { g_usr1.fetch_add(1); }
void on_abort(int) {
  if (g_hot != nullptr) {
    set_state(*g_hot, WorkerState::aborting);
    record_worker_exit(*g_hot, ExitReason::abort);
  }
  _exit(1);
}

void install(int sig, void (*handler)(int)) {
  struct sigaction sa{};
  sa.sa_handler = handler;  // no SA_RESTART: a blocking accept returns EINTR
  sigaction(sig, &sa, nullptr);
}

std::map<std::string, std::string> flag_map(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strncmp(argv[i], "--", 2) == 0) flags[argv[i] + 2] = argv[i + 1];
  return flags;
}

void serve_one(int listen_fd, SlotHot& hot) {
  int conn = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return;
  uint64_t start = monotonic_ns();
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(conn, buf, sizeof buf, 0);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  ssize_t sent = ::send(conn, reply, sizeof reply - 1, MSG_NOSIGNAL);
  ::close(conn);
  uint64_t now = monotonic_ns();
  if (hot.first_request_ns.load() == 0) hot.first_request_ns.store(now);
  record_request(hot, now - start, request.size(), sent > 0 ? sent : 0);
}

// WPM_FAKE_READY_DIR=D: D/ready-<pid> gets the monotonic time at which it notified.
void notify_ready(std::map<std::string, std::string>& flags) {
  if (!flags.count("ready-fd")) return;
  int fd = std::stoi(flags["ready-fd"]);
  uint64_t at = monotonic_ns();
  uint64_t one = 1;
  if (::write(fd, &one, sizeof one) != sizeof one) _exit(3);
  if (const char* dir = std::getenv("WPM_FAKE_READY_DIR"))
    std::ofstream(std::string(dir) + "/ready-" + std::to_string(getpid())) << at << "\n";
}

ExitReason reason_of(int sig) {
  if (sig == SIGQUIT) return ExitReason::quit;
  if (sig == SIGINT) return ExitReason::int_;
  return ExitReason::term;
}

// As workers/successor.h: near max_requests, the flag in the slot, then a wake (once).
void ask_for_successor(std::map<std::string, std::string>& flags, SlotHot& hot) {
  if (!flags.count("ready-fd") || hot.successor_wanted.load() != 0) return;
  hot.successor_wanted.store(kSuccessorWanted);
  uint64_t one = 1;
  if (::write(std::stoi(flags["ready-fd"]), &one, sizeof one) != sizeof one) _exit(3);
}

int fake_worker(int argc, char** argv) {
  std::map<std::string, std::string> flags = flag_map(argc, argv);
  int listen_fd = std::stoi(flags["listen-fd"]);
  std::string mode = "serve";
  if (const char* m = std::getenv(("WPM_FAKE_MODE_" + flags["index"]).c_str())) mode = m;
  else if (const char* m2 = std::getenv("WPM_FAKE_MODE")) mode = m2;
  Result<Segment> segment = Segment::attach(std::stoi(flags["segment-fd"]));
  if (!segment) return 1;
  SlotHot& hot = segment->slot(static_cast<uint32_t>(std::stoul(flags["slot"]))).hot;
  g_hot = &hot;
  for (int sig : {SIGQUIT, SIGTERM, SIGINT}) install(sig, on_stop);
  install(SIGUSR1, on_usr1);
  install(SIGABRT, on_abort);
  if (const char* argv_dir = std::getenv("WPM_FAKE_ARGV_DIR")) {
    std::ofstream out(std::string(argv_dir) + "/argv-" + std::to_string(getpid()));
    for (int i = 1; i < argc; ++i) out << argv[i] << "\n";
  }
  if (mode == "crash") _exit(1);
  if (mode == "usage") _exit(2);
  if (mode == "stubborn")
    for (int sig : {SIGQUIT, SIGTERM, SIGINT}) signal(sig, SIG_IGN);
  heartbeat(hot, monotonic_ns());
  if (mode != "noboot") {
    set_state(hot, WorkerState::running);
    notify_ready(flags);
  }
  uint64_t max_requests = flags.count("max-requests") ? std::stoull(flags["max-requests"]) : 0;
  uint64_t successor_at = successor_threshold(max_requests);
  const char* usr1_dir = std::getenv("WPM_FAKE_USR1_DIR");
  bool usr1_written = false;
  while (g_stop_signal.load() == 0) {
    if (mode != "hang") heartbeat(hot, monotonic_ns());
    if (usr1_dir && g_usr1.load() > 0 && !usr1_written) {
      std::ofstream(std::string(usr1_dir) + "/usr1-" + std::to_string(getpid())) << "1\n";
      usr1_written = true;
    }
    pollfd pfd{listen_fd, POLLIN, 0};
    if (mode != "noboot" && ::poll(&pfd, 1, 50) == 1) serve_one(listen_fd, hot);
    if (mode == "noboot") ::usleep(50'000);
    if (hot.requests.load() == successor_at && successor_at != 0) ask_for_successor(flags, hot);
    if (max_requests != 0 && hot.requests.load() >= max_requests) {
      set_state(hot, WorkerState::quitting);
      record_worker_exit(hot, ExitReason::max_requests);
      _exit(0);
    }
  }
  set_state(hot, WorkerState::quitting);
  record_worker_exit(hot, reason_of(g_stop_signal.load()));
  _exit(0);
}

int fake_master(int argc, char** argv) {
  std::map<std::string, std::string> kv;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    kv[a.substr(0, a.find('='))] = a.substr(a.find('=') + 1);
  }
  auto num = [&](const char* key, double fallback) {
    return kv.count(key) ? std::stod(kv[key]) : fallback;
  };
  ServeOptions o;
  o.name = kv["name"];
  parse_host_port(kv.count("bind") ? kv["bind"] : "127.0.0.1:0", o.bind);
  parse_host_port(kv.count("metrics_bind") ? kv["metrics_bind"] : "127.0.0.1:0", o.metrics_bind);
  o.workers = static_cast<uint32_t>(num("workers", 2));
  o.timeout_s = num("timeout", 30);
  o.boot_timeout_s = num("boot_timeout", 30);
  o.graceful_timeout_s = num("graceful_timeout", 5);
  o.retain_exited_s = num("retain_exited", 300);
  o.retain_exited_max = static_cast<uint32_t>(num("retain_max", 64));
  o.slot_capacity = static_cast<uint32_t>(num("slots", 16));
  o.max_requests = static_cast<uint64_t>(num("max_requests", 0));
  o.max_requests_jitter = static_cast<uint64_t>(num("jitter", 0));
  if (kv.count("pidfile")) o.pidfile = kv["pidfile"];
  if (kv.count("log_level")) parse_log_level(kv["log_level"], o.log_level);
  o.self_exe = kv.count("self_exe") ? kv["self_exe"] : supervisor::test::self_exe();
  o.fork_server = false;  // the fake worker is exec'd: it does not speak the fork server's protocol
  return run_master(o);
}

int fd_list(const char* path) {
  std::ostringstream out;  // the output file is opened only after listing, so it is not listed
  DIR* dir = ::opendir("/proc/self/fd");
  int own = ::dirfd(dir);
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    if (std::atoi(e->d_name) != own) out << "fd " << e->d_name << "\n";
  }
  ::closedir(dir);
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("SigBlk:", 0) == 0 || line.rfind("SigIgn:", 0) == 0) out << line << "\n";
  std::ofstream(path) << out.str();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "worker") == 0) return fake_worker(argc, argv);
  if (argc > 1 && std::strcmp(argv[1], "master") == 0) return fake_master(argc, argv);
  if (argc > 2 && std::strcmp(argv[1], "fdlist") == 0) return fd_list(argv[2]);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
