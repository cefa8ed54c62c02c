// Running real programs from tests (promtool, python3, chromium, the Pushgateway): bounded in
// time, killed by process group on timeout or at scope exit, never by name.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace wpm::test {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out, err;
};

// Runs argv[0] (PATH lookup) with `input` on stdin; kills its process group after timeout_s.
RunResult run_process(const std::vector<std::string>& argv, std::string_view input,
                      double timeout_s);

// A long-running child whose stderr goes to a file; SIGTERM then SIGKILL of its group on
// stop() or destruction.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& stderr_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void stop();

 private:
  pid_t pid_ = -1;
};

// A fresh directory under $TMPDIR removed (recursively) at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, std::string_view text);

}  // namespace wpm::test
