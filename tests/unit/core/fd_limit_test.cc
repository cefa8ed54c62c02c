#include "core/fd_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wpm {
namespace {

// Runs `check` in a child whose limits start at soft 64, hard 1024 (a hard limit cannot be
// raised back, so the test process keeps its own). The child's exit code is check's answer.
template <class Check>
int exit_code_with_limits(Check check) {
  pid_t pid = fork();
  if (pid == 0) {
    rlimit l{64, 1024};
    if (setrlimit(RLIMIT_NOFILE, &l) != 0) _exit(100);
    _exit(check());
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

int soft_now() {
  rlimit l{};
  return getrlimit(RLIMIT_NOFILE, &l) == 0 ? static_cast<int>(l.rlim_cur) : -1;
}

TEST(FdLimit, ReadsTheLimitsInForce) {
  rlimit l{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &l), 0);
  Result<FdLimit> got = fd_limit();
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->soft, l.rlim_cur);
  EXPECT_EQ(got->hard, l.rlim_max);
}

TEST(FdLimit, RaisesTheSoftLimitToWhatIsNeededNotToTheHardLimit) {
  EXPECT_EQ(exit_code_with_limits([] {
              Result<FdLimit> got = raise_fd_limit(300);
              if (!got) return 1;
              return got->soft == 300 && soft_now() == 300 ? 0 : 2;
            }),
            0);
}

TEST(FdLimit, NeverLowersIt) {
  EXPECT_EQ(exit_code_with_limits([] {
              Result<FdLimit> got = raise_fd_limit(10);
              return got && got->soft == 64 && soft_now() == 64 ? 0 : 1;
            }),
            0);
}

TEST(FdLimit, StopsAtTheHardLimitAndSaysSo) {
  EXPECT_EQ(exit_code_with_limits([] {
              Result<FdLimit> got = raise_fd_limit(5000);
              if (!got) return 1;
              return got->soft == 1024 && got->hard == 1024 && soft_now() == 1024 ? 0 : 2;
            }),
            0);
}

}  // namespace
}  // namespace wpm
