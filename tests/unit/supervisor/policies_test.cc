// The supervisor's decisions as pure functions: exit attribution, crash-loop backoff,
// retention of exited slots and liveness.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>

#include "supervisor/backoff.h"
#include "supervisor/exit_reason.h"
#include "supervisor/heartbeat_monitor.h"
#include "supervisor/planned_exit.h"
#include "supervisor/retention.h"

namespace wpm::supervisor {
namespace {

constexpr uint64_t kSec = 1'000'000'000;

ExitFacts killed_by(int sig) {
  ExitFacts f;
  f.signaled = true;
  f.signal = sig;
  return f;
}
ExitFacts exited_with(int code, std::optional<ExitReason> recorded = std::nullopt) {
  ExitFacts f;
  f.exit_code = code;
  f.recorded = recorded;
  return f;
}

TEST(ClassifyExit, MasterDecisionComesFirst) {
  for (ExitReason master : {ExitReason::timeout, ExitReason::reload, ExitReason::scale_down,
                            ExitReason::term, ExitReason::kill}) {
    ExitFacts f = killed_by(SIGKILL);
    f.master_reason = master;
    f.recorded = ExitReason::abort;
    EXPECT_EQ(classify_exit(f), master);
  }
}

TEST(ClassifyExit, SignalsMapToKillAbortCrashOrOom) {
  EXPECT_EQ(classify_exit(killed_by(SIGKILL)), ExitReason::kill);
  EXPECT_EQ(classify_exit(killed_by(SIGABRT)), ExitReason::abort);
  EXPECT_EQ(classify_exit(killed_by(SIGSEGV)), ExitReason::crash);
  EXPECT_EQ(classify_exit(killed_by(SIGBUS)), ExitReason::crash);
  ExitFacts oom = killed_by(SIGKILL);
  oom.oom_killed = true;
  EXPECT_EQ(classify_exit(oom), ExitReason::oom);
  // A signal death wins over a reason recorded earlier (the worker was killed mid-quit).
  ExitFacts f = killed_by(SIGKILL);
  f.recorded = ExitReason::quit;
  EXPECT_EQ(classify_exit(f), ExitReason::kill);
}

TEST(ClassifyExit, CleanExitUsesTheRecordedReason) {
  EXPECT_EQ(classify_exit(exited_with(0, ExitReason::quit)), ExitReason::quit);
  EXPECT_EQ(classify_exit(exited_with(0, ExitReason::term)), ExitReason::term);
  EXPECT_EQ(classify_exit(exited_with(0, ExitReason::int_)), ExitReason::int_);
  EXPECT_EQ(classify_exit(exited_with(0, ExitReason::max_requests)), ExitReason::max_requests);
  EXPECT_EQ(classify_exit(exited_with(1, ExitReason::abort)), ExitReason::abort);
}

TEST(ClassifyExit, UnexplainedExitCodes) {
  EXPECT_EQ(classify_exit(exited_with(1)), ExitReason::crash);
  EXPECT_EQ(classify_exit(exited_with(70)), ExitReason::crash);
  EXPECT_EQ(classify_exit(exited_with(0)), ExitReason::quit);
}

bool planned(const ExitFacts& f) { return planned_exit(f, classify_exit(f)); }

TEST(PlannedExit, ExitsTheWorkerExplainsAreNeverCrashes) {
  for (ExitReason r : {ExitReason::quit, ExitReason::term, ExitReason::int_,
                       ExitReason::max_requests})
    EXPECT_TRUE(planned(exited_with(0, r))) << to_string(r);
  // The master's own retirements; a timeout is a failure of the worker.
  for (ExitReason r : {ExitReason::reload, ExitReason::scale_down, ExitReason::term}) {
    ExitFacts f = killed_by(SIGTERM);
    f.master_reason = r;
    EXPECT_TRUE(planned(f)) << to_string(r);
  }
  ExitFacts timeout = killed_by(SIGABRT);
  timeout.master_reason = ExitReason::timeout;
  EXPECT_FALSE(planned(timeout));
}

TEST(PlannedExit, CrashesAndForeignSignalsAreUnplanned) {
  EXPECT_FALSE(planned(exited_with(1)));                     // crash
  EXPECT_FALSE(planned(exited_with(0)));                     // exit 0, nothing recorded
  EXPECT_FALSE(planned(killed_by(SIGSEGV)));
  EXPECT_FALSE(planned(killed_by(SIGKILL)));                 // nobody announced it
  EXPECT_FALSE(planned(killed_by(SIGABRT)));                 // e.g. /crash
  EXPECT_FALSE(planned(exited_with(1, ExitReason::abort)));  // a handled ABRT, sender unknown
  ExitFacts oom = killed_by(SIGKILL);
  oom.oom_killed = true;
  EXPECT_FALSE(planned(oom));
}

TEST(PlannedExit, AnnouncedSignalsArePlannedOnlyWhenTheyCausedTheExit) {
  ExitFacts abort = exited_with(1, ExitReason::abort);  // the worker's ABRT handler ran
  abort.announced_signal = SIGABRT;
  EXPECT_TRUE(planned(abort));
  ExitFacts kill = killed_by(SIGKILL);
  kill.announced_signal = SIGKILL;
  EXPECT_TRUE(planned(kill));
  // Announced ABRT, but the worker crashed on its own first: still a crash.
  ExitFacts crash = exited_with(1);
  crash.announced_signal = SIGABRT;
  EXPECT_FALSE(planned(crash));
  ExitFacts segv = killed_by(SIGSEGV);
  segv.announced_signal = SIGKILL;
  EXPECT_FALSE(planned(segv));
}

TEST(PlannedMessage, RoundTripsAndRejectsEverythingElse) {
  PlannedSignal p{4242, SIGABRT};
  std::optional<PlannedSignal> back = parse_planned_message(planned_message(p));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->worker_pid, 4242);
  EXPECT_EQ(back->signal, SIGABRT);
  for (std::string_view bad : {"", "planned", "planned 4242", "planned 4242 6 7\n",
                               "planned 0 6\n", "planned 1 6\n", "planned -1 9\n",
                               "planned 12 0\n", "planned 12 65\n", "planned x 6\n",
                               "plan 12 6\n", "planned 12  6\n", "planned 99999999 9\n"})
    EXPECT_FALSE(parse_planned_message(bad).has_value()) << bad;
}

TEST(DescribeWaitStatus, NamesCodeAndSignal) {
  EXPECT_EQ(describe_wait_status(3 << 8), "exited with code 3");
  EXPECT_EQ(describe_wait_status(SIGKILL), "killed by signal 9 (SIGKILL)");
}

TEST(OomKillCount, ParsesCgroupMemoryEvents) {
  EXPECT_EQ(parse_oom_kill_count("low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n"), 2u);
  EXPECT_EQ(parse_oom_kill_count("oom_kill_disable 0\nunder_oom 0\noom_kill 5\n"), 5u);  // v1
  EXPECT_EQ(parse_oom_kill_count("low 0\n"), std::nullopt);
}

TEST(Backoff, DoublesForYoungDeathsUpToTheCap) {
  BackoffPolicy p;
  BackoffState s;
  std::vector<uint64_t> delays;
  for (int i = 0; i < 9; ++i) delays.push_back(respawn_delay(s, kSec / 10, p));
  std::vector<uint64_t> expected{kSec / 10, kSec / 5, 2 * kSec / 5, 4 * kSec / 5, 8 * kSec / 5,
                                 16 * kSec / 5, 5 * kSec, 5 * kSec, 5 * kSec};
  EXPECT_EQ(delays, expected);
  EXPECT_EQ(s.strikes, 9u);
}

TEST(Backoff, ShortButNotYoungLifeNeitherDelaysNorForgives) {
  BackoffPolicy p;
  BackoffState s;
  respawn_delay(s, 0, p);
  respawn_delay(s, 0, p);
  EXPECT_EQ(respawn_delay(s, 2 * kSec, p), 0u);  // lived 2 s: respawn at once…
  EXPECT_EQ(s.strikes, 2u);                      // …but the streak is remembered
  EXPECT_EQ(respawn_delay(s, 0, p), 4 * kSec / 10);
}

TEST(Backoff, HealthyLifeResetsTheStreak) {
  BackoffPolicy p;
  BackoffState s;
  for (int i = 0; i < 5; ++i) respawn_delay(s, 0, p);
  EXPECT_EQ(respawn_delay(s, 10 * kSec, p), 0u);
  EXPECT_EQ(s.strikes, 0u);
  EXPECT_EQ(respawn_delay(s, 0, p), kSec / 10);
}

TEST(Retention, ExpiredSlotsAreRecycledOldestFirst) {
  RetentionPolicy p{60 * kSec, 10};
  std::vector<ExitedSlot> exited{{7, 100 * kSec}, {3, 10 * kSec}, {5, 50 * kSec}};
  // now = 120 s: slot 3 (110 s old) and 5 (70 s old) expired, slot 7 (20 s) stays.
  EXPECT_EQ(slots_to_recycle(exited, 120 * kSec, p, 5, 0), (std::vector<uint32_t>{3, 5}));
  EXPECT_TRUE(slots_to_recycle(exited, 60 * kSec, p, 5, 0).empty());
}

TEST(Retention, CountCapRecyclesTheOldestBeyondIt) {
  RetentionPolicy p{1000 * kSec, 2};
  std::vector<ExitedSlot> exited{{1, 4 * kSec}, {2, 1 * kSec}, {3, 3 * kSec}, {4, 2 * kSec}};
  EXPECT_EQ(slots_to_recycle(exited, 5 * kSec, p, 5, 0), (std::vector<uint32_t>{2, 4}));
}

TEST(Retention, RunningOutOfFreeSlotsRecyclesEarly) {
  RetentionPolicy p{1000 * kSec, 10};
  std::vector<ExitedSlot> exited{{1, 4 * kSec}, {2, 1 * kSec}, {3, 3 * kSec}};
  EXPECT_EQ(slots_to_recycle(exited, 5 * kSec, p, 0, 1), (std::vector<uint32_t>{2}));
  EXPECT_TRUE(slots_to_recycle(exited, 5 * kSec, p, 1, 1).empty());
  // Asking for more than there is returns everything, never more.
  EXPECT_EQ(slots_to_recycle(exited, 5 * kSec, p, 0, 9).size(), 3u);
}

TEST(Retention, ZeroRetentionRecyclesAtOnce) {
  RetentionPolicy p{0, 64};
  EXPECT_EQ(slots_to_recycle({{9, 5 * kSec}}, 5 * kSec, p, 3, 0), (std::vector<uint32_t>{9}));
}

TEST(Liveness, BootTimeoutOnlyWhileBooting) {
  LivenessPolicy p{30 * kSec, 5 * kSec};
  LivenessView booting{WorkerState::booting, 100 * kSec, 100 * kSec};
  EXPECT_EQ(check_liveness(booting, 104 * kSec, p), Liveness::ok);
  EXPECT_EQ(check_liveness(booting, 106 * kSec, p), Liveness::boot_timeout);
  // A booting worker is not judged by the (longer or shorter) serving timeout.
  LivenessPolicy short_timeout{1 * kSec, 5 * kSec};
  EXPECT_EQ(check_liveness(booting, 104 * kSec, short_timeout), Liveness::ok);
}

TEST(Liveness, HeartbeatTimeoutWhileServing) {
  LivenessPolicy p{2 * kSec, 30 * kSec};
  for (WorkerState st : {WorkerState::running, WorkerState::quitting, WorkerState::aborting}) {
    LivenessView v{st, 0, 100 * kSec};
    EXPECT_EQ(check_liveness(v, 101 * kSec, p), Liveness::ok);
    EXPECT_EQ(check_liveness(v, 103 * kSec, p), Liveness::heartbeat_timeout);
  }
  // A heartbeat written after the master read its clock is not "in the future" trouble.
  EXPECT_EQ(check_liveness({WorkerState::running, 0, 200 * kSec}, 100 * kSec, p), Liveness::ok);
}

TEST(Liveness, ZeroDisablesTheChecks) {
  LivenessPolicy off{0, 0};
  EXPECT_EQ(check_liveness({WorkerState::running, 0, 0}, 1000 * kSec, off), Liveness::ok);
  EXPECT_EQ(check_liveness({WorkerState::booting, 0, 0}, 1000 * kSec, off), Liveness::ok);
  EXPECT_EQ(seconds_to_ns(-1), 0u);
  EXPECT_EQ(seconds_to_ns(1.5), 1'500'000'000u);
}

TEST(Liveness, HugeDurationsSaturateInsteadOfWrapping) {
  EXPECT_EQ(seconds_to_ns(2e10), UINT64_MAX);
  EXPECT_EQ(seconds_to_ns(1.0 / 0.0), UINT64_MAX);
  EXPECT_EQ(saturating_add(5 * kSec, UINT64_MAX), UINT64_MAX);
  EXPECT_EQ(saturating_add(5 * kSec, kSec), 6 * kSec);
}

}  // namespace
}  // namespace wpm::supervisor
