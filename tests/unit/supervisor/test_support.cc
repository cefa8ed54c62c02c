#include "test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

extern char** environ;

namespace wpm::supervisor::test {
namespace {

int connect_to(const std::string& host, uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int rc = -1;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    inet_pton(AF_INET6, host.c_str(), &a.sin6_addr);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::optional<HttpReply> parse_reply(const std::string& raw) {
  size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return std::nullopt;
  HttpReply reply;
  reply.status = std::atoi(raw.c_str() + 9);
  reply.headers = raw.substr(0, end);
  reply.body = raw.substr(end + 4);
  return reply;
}

bool line_matches(const std::string& line, const std::string& name,
                  const std::vector<std::string>& filters) {
  if (line.rfind(name, 0) != 0 || line.size() <= name.size()) return false;
  char next = line[name.size()];
  if (next != '{' && next != ' ') return false;
  for (const std::string& f : filters)
    if (line.find(f) == std::string::npos) return false;
  return true;
}

std::atomic<int> g_counter{0};

}  // namespace

std::optional<HttpReply> http_get(const std::string& host, uint16_t port, const std::string& path) {
  int fd = connect_to(host, port);
  if (fd < 0) return std::nullopt;
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return std::nullopt;
  }
  std::string raw;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return parse_reply(raw);
}

std::optional<HttpReply> http_get(const std::string& host_port, const std::string& path) {
  size_t colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return http_get(host, static_cast<uint16_t>(std::stoi(host_port.substr(colon + 1))), path);
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

double sum_samples(const std::string& text, const std::string& name,
                   const std::vector<std::string>& filters) {
  std::istringstream lines(text);
  std::string line;
  double sum = 0;
  while (std::getline(lines, line))
    if (line_matches(line, name, filters)) sum += std::stod(line.substr(line.rfind(' ') + 1));
  return sum;
}

size_t count_series(const std::string& text, const std::string& name,
                    const std::vector<std::string>& filters) {
  std::istringstream lines(text);
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) n += line_matches(line, name, filters) ? 1 : 0;
  return n;
}

std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string temp_dir() {
  std::string tmpl = "/tmp/wpm-suptest-XXXXXX";
  char* made = ::mkdtemp(tmpl.data());
  return made ? std::string(made) : std::string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

MasterProcess::MasterProcess(std::map<std::string, std::string> settings,
                             std::map<std::string, std::string> env) {
  dir_ = temp_dir();
  runtime_dir_ = dir_ + "/run";
  ::mkdir(runtime_dir_.c_str(), 0700);
  if (env.count("XDG_RUNTIME_DIR")) runtime_dir_ = env["XDG_RUNTIME_DIR"];  // shared with another
  name_ = settings.count("name") ? settings["name"]
                                 : "suptest-" + std::to_string(getpid()) + "-" +
                                       std::to_string(g_counter++);
  settings["name"] = name_;
  std::vector<std::string> args{self_exe(), "master"};
  for (const auto& [k, v] : settings) args.push_back(k + "=" + v);
  env["XDG_RUNTIME_DIR"] = runtime_dir_;
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.count(kv.substr(0, kv.find('=')))) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string log_path = dir_ + "/master.log";
  posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  if (posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), envp.data()) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
}

MasterProcess::~MasterProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);  // its own process group: the master and its workers
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (pid_ > 0) ::kill(-pid_, SIGKILL);  // stragglers (PDEATHSIG normally got them)
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::optional<PoolState> MasterProcess::state() const {
  std::string text = read_file(runtime_dir_ + "/wpm/" + name_ + "/state.json");
  if (text.empty()) return std::nullopt;
  Result<PoolState> s = parse_pool_state(text);
  if (!s) return std::nullopt;
  return *s;
}

std::optional<PoolState> MasterProcess::wait_running(size_t workers,
                                                     std::chrono::milliseconds limit) {
  std::optional<PoolState> last;
  bool ok = eventually(
      [&] {
        last = state();
        if (!last || last->workers.size() != workers) return false;
        for (const WorkerRow& w : last->workers)
          if (w.state != WorkerState::running) return false;
        return true;
      },
      limit);
  return ok ? last : std::nullopt;
}

std::string MasterProcess::metrics() const {
  std::optional<PoolState> s = state();
  if (!s) return "";
  std::optional<HttpReply> r = http_get(s->metrics_bind, "/metrics");
  return r && r->status == 200 ? r->body : "";
}

void MasterProcess::signal(int sig) const { ::kill(pid_, sig); }

std::optional<int> MasterProcess::wait_exit(std::chrono::milliseconds limit) {
  if (reaped_) return std::nullopt;
  int status = 0;
  bool done = eventually(
      [&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, limit);
  if (!done) return std::nullopt;
  reaped_ = true;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -WTERMSIG(status);
}

std::string MasterProcess::log() const { return read_file(dir_ + "/master.log"); }

void MasterFixture::TearDown() {
  if (HasFailure() && master_) std::cerr << "---- master log ----\n" << master_->log();
}

PoolState MasterFixture::start(std::map<std::string, std::string> settings,
                               std::map<std::string, std::string> env, size_t running) {
  master_ = std::make_unique<MasterProcess>(std::move(settings), std::move(env));
  std::optional<PoolState> s = master_->wait_running(running);
  if (!s) ADD_FAILURE() << "pool never had " << running << " running workers";
  return s.value_or(PoolState{});
}

double MasterFixture::metric(MetricId id, std::vector<std::string> filters) {
  return sum_samples(master_->metrics(), metric_name(id, kDefaultPrefix), filters);
}

int MasterFixture::healthz() {
  std::optional<PoolState> s = master_->state();
  std::optional<HttpReply> r;
  if (s) r = http_get(s->metrics_bind, "/healthz");
  return r ? r->status : -1;
}

void MasterFixture::stop_gracefully() {
  master_->signal(SIGTERM);
  EXPECT_EQ(master_->wait_exit(), 0);
}

}  // namespace wpm::supervisor::test
