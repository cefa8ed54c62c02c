#include "core/process_identity.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wpm {
namespace {

// A child that sleeps until killed; reaped by the destructor.
struct Child {
  pid_t pid = ::fork();
  Child() {
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  ~Child() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

TEST(ProcStat, ParsesFieldsAfterTheLastParenthesis) {
  // A command name can hold spaces and ") ": only the last ')' ends it.
  std::string line = "42 (a) b) c) S 7 42 42 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 123456 9 10";
  std::optional<ProcStat> stat = parse_proc_stat(line);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 7);
  EXPECT_EQ(stat->start_time, 123456u);
  EXPECT_FALSE(parse_proc_stat("42 (x) S 7 42"));  // truncated before field 22
  EXPECT_FALSE(parse_proc_stat("no parenthesis"));
}

TEST(ProcStat, ReadsThisProcess) {
  std::optional<ProcStat> self = read_proc_stat(::getpid());
  ASSERT_TRUE(self);
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_GT(self->start_time, 0u);
  EXPECT_TRUE(same_process(::getpid(), self->start_time));
  EXPECT_FALSE(same_process(::getpid(), self->start_time + 1));
  EXPECT_FALSE(read_proc_stat(0));
  EXPECT_FALSE(read_proc_stat(-1));
}

TEST(SignalMasks, ParsesPendingAndIgnored) {
  std::optional<SignalMasks> m = parse_signal_masks(
      "Name:\tx\nSigQ:\t0/1\nSigPnd:\t0000000000000001\nShdPnd:\t0000000000000200\n"
      "SigBlk:\t0000000000000000\nSigIgn:\t0000000000001000\nSigCgt:\t0000000000000000\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pending, 0x201u);
  EXPECT_EQ(m->ignored, 0x1000u);
  EXPECT_FALSE(parse_signal_masks("SigPnd:\tzz\nShdPnd:\t0\nSigIgn:\t0\n"));
  EXPECT_FALSE(parse_signal_masks("Name:\tx\n"));
}

TEST(SignalMasks, ShowsABlockedSignalPending) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &block, &old), 0);
  ASSERT_EQ(::kill(::getpid(), SIGUSR2), 0);
  std::optional<SignalMasks> m = read_signal_masks(::getpid());
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->pending & (1u << (SIGUSR2 - 1)));
  siginfo_t info;
  timespec zero{0, 0};
  EXPECT_EQ(::sigtimedwait(&block, &info, &zero), SIGUSR2);
  m = read_signal_masks(::getpid());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->pending & (1u << (SIGUSR2 - 1)));
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

TEST(VerifiedProcess, RefusesPidsThatNeverNameAWorker) {
  for (int32_t pid : {0, 1, -1, -5}) {
    Result<VerifiedProcess> p = VerifiedProcess::open(pid, 1, 0, "worker 0");
    ASSERT_FALSE(p.ok()) << pid;
    EXPECT_NE(p.error().message.find("refusing to signal worker 0"), std::string::npos);
  }
  std::optional<ProcStat> self = read_proc_stat(::getpid());
  ASSERT_TRUE(self);
  EXPECT_FALSE(VerifiedProcess::open(::getpid(), self->start_time, 0, "me").ok());
}

TEST(VerifiedProcess, SignalsOnlyTheRecordedChild) {
  Child child;
  ASSERT_GT(child.pid, 0);
  std::optional<ProcStat> stat = read_proc_stat(child.pid);
  ASSERT_TRUE(stat);
  // Wrong start time (the pid was reused) or wrong parent: refused, nothing sent.
  Result<VerifiedProcess> reused = VerifiedProcess::open(child.pid, stat->start_time + 1, 0, "w");
  ASSERT_FALSE(reused.ok());
  EXPECT_NE(reused.error().message.find("start time differs"), std::string::npos);
  Result<VerifiedProcess> orphan =
      VerifiedProcess::open(child.pid, stat->start_time, ::getpid() + 1, "w");
  ASSERT_FALSE(orphan.ok());
  EXPECT_NE(orphan.error().message.find("not a child of master pid"), std::string::npos);
  EXPECT_EQ(::waitpid(child.pid, nullptr, WNOHANG), 0);  // still alive

  Result<VerifiedProcess> ok = VerifiedProcess::open(child.pid, stat->start_time, ::getpid(), "w");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_TRUE(ok->send(SIGTERM).ok());
  int status = 0;
  ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  // Reaped: the pid no longer names it, however recorded.
  EXPECT_FALSE(VerifiedProcess::open(child.pid, stat->start_time, 0, "w").ok());
}

}  // namespace
}  // namespace wpm
