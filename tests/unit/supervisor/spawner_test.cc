#include "supervisor/spawner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "test_support.h"

namespace wpm::supervisor {
namespace {

int wait_exit_code(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The child keeps stdin/out/err and exactly the fds it is given, whatever else the parent has
// open (close-on-exec or not), and starts with no blocked or ignored signals.
TEST(Spawner, ChildInheritsOnlyTheGivenFds) {
  std::string dir = test::temp_dir();
  std::string out = dir + "/fds";
  int keep[2], stray[2];
  ASSERT_EQ(pipe(keep), 0);   // not close-on-exec: keep[0] is passed, keep[1] must not leak
  ASSERT_EQ(pipe(stray), 0);  // not close-on-exec either: must not leak
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &old);  // like the master's signalfd mask
  auto old_pipe = signal(SIGPIPE, SIG_IGN);
  Result<pid_t> pid = spawn_process({test::self_exe(), {"fdlist", out}, {keep[0]}});
  sigprocmask(SIG_SETMASK, &old, nullptr);
  signal(SIGPIPE, old_pipe);
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  EXPECT_EQ(wait_exit_code(*pid), 0);
  std::istringstream lines(test::read_file(out));
  std::set<int> fds;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("fd ", 0) == 0) fds.insert(std::stoi(line.substr(3)));
    if (line.rfind("SigBlk:", 0) == 0) {
      EXPECT_EQ(line, "SigBlk:\t0000000000000000");
    }
    if (line.rfind("SigIgn:", 0) == 0) {
      // glibc reserves signals 32 and 33 (bits 31 and 32): sigaction cannot change them, so
      // an ignored disposition inherited from whoever started the test survives any spawner.
      uint64_t ignored = std::stoull(line.substr(7), nullptr, 16);
      EXPECT_EQ(ignored & ~uint64_t{0x180000000}, 0u) << line;
    }
  }
  EXPECT_EQ(fds, (std::set<int>{0, 1, 2, keep[0]}));
  for (int fd : {keep[0], keep[1], stray[0], stray[1]}) close(fd);
  unlink(out.c_str());
  rmdir(dir.c_str());
}

TEST(Spawner, ExecFailureNamesTheExecutable) {
  Result<pid_t> pid = spawn_process({"/nonexistent/wpm", {"worker"}, {}});
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.error().message.find("/nonexistent/wpm"), std::string::npos);
  // Boost's child exited after the failed exec; reap it so no zombie is left.
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

TEST(Spawner, ChildIsNotReapedBySpawn) {
  Result<pid_t> pid = spawn_process({"/bin/sh", {"-c", "exit 7"}, {}});
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  EXPECT_EQ(wait_exit_code(*pid), 7);  // the caller, not Boost, collects the status
}

// stdout and stderr land in a private log file; the child leads its own process group.
TEST(Spawner, LogFileAndOwnProcessGroup) {
  std::string dir = test::temp_dir();
  std::string log = dir + "/child.log";
  SpawnRequest req{"/bin/sh", {"-c", "echo out; echo err >&2; cut -d' ' -f5 /proc/$$/stat"}, {}};
  req.log_path = log;
  req.new_process_group = true;
  Result<pid_t> pid = spawn_process(req);
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  EXPECT_EQ(wait_exit_code(*pid), 0);
  EXPECT_EQ(test::read_file(log), "out\nerr\n" + std::to_string(*pid) + "\n");
  struct stat st{};
  ASSERT_EQ(stat(log.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  unlink(log.c_str());
  rmdir(dir.c_str());
}

TEST(Spawner, ReplacesASymlinkedLogFileWithoutFollowingIt) {
  std::string dir = test::temp_dir();
  std::string victim = dir + "/victim", log = dir + "/child.log";
  { std::ofstream(victim) << "keep"; }
  ASSERT_EQ(symlink(victim.c_str(), log.c_str()), 0);
  SpawnRequest req{"/bin/echo", {"logged"}, {}};
  req.log_path = log;
  Result<pid_t> pid = spawn_process(req);
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  int status = 0;
  ASSERT_EQ(waitpid(*pid, &status, 0), *pid);
  struct stat st{};
  ASSERT_EQ(lstat(log.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(test::read_file(log), "logged\n");
  EXPECT_EQ(test::read_file(victim), "keep");
  unlink(log.c_str());
  unlink(victim.c_str());
  rmdir(dir.c_str());
}

TEST(Spawner, RefusesStandardStreamsAsInheritedFds) {
  EXPECT_FALSE(spawn_process({"/bin/true", {}, {1}}).ok());
}

}  // namespace
}  // namespace wpm::supervisor
