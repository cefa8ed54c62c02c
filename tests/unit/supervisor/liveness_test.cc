// A pool is alive only while its master holds master.lock and is the process (pid + start
// time) its state file names; `wpm signal` checks every pid it read before signalling it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/process_identity.h"
#include "supervisor/control.h"
#include "supervisor/instance.h"
#include "supervisor/state_writer.h"
#include "test_support.h"

namespace wpm::supervisor {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class PoolLiveness : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = test::temp_dir();
    const char* old = std::getenv("XDG_RUNTIME_DIR");
    if (old != nullptr) old_xdg_ = old;
    ::setenv("XDG_RUNTIME_DIR", scratch_.c_str(), 1);
    Result<std::string> d = runtime_dir("live", true);
    ASSERT_TRUE(d.ok()) << d.error().message;
    dir_ = *d;
  }
  void TearDown() override {
    if (old_xdg_.empty()) ::unsetenv("XDG_RUNTIME_DIR");
    else ::setenv("XDG_RUNTIME_DIR", old_xdg_.c_str(), 1);
    std::filesystem::remove_all(scratch_);
  }
  // A state file naming this test process as the master.
  PoolState state_of_self(uint64_t start_time_delta = 0) {
    PoolState s;
    s.name = "live";
    s.master_pid = ::getpid();
    s.master_start_time = read_proc_stat(::getpid())->start_time + start_time_delta;
    s.worker_class = "sync";
    s.bind = s.metrics_bind = "127.0.0.1:1";
    return s;
  }
  void write(const PoolState& s) { ASSERT_TRUE(write_state_file(dir_, s).ok()); }

  std::string scratch_, old_xdg_, dir_;
};

TEST_F(PoolLiveness, UnlockedStateIsStaleAndStatusRemovesIt) {
  write(state_of_self());  // the recorded process lives, but nobody holds the lock
  Result<PoolState> found = find_pool({"live", 0});
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().message, "pool 'live' is not running (stale state from pid " +
                                       std::to_string(::getpid()) + ")");
  EXPECT_TRUE(std::filesystem::exists(state_file_path(dir_)));  // find_pool removes nothing
  Result<PoolState> status = pool_status({"live", 0});
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(contains(status.error().message, ", removed)")) << status.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_));
}

TEST_F(PoolLiveness, LockedAndSameProcessIsAlive) {
  Result<InstanceLock> lock = InstanceLock::acquire(dir_, "live");
  ASSERT_TRUE(lock.ok());
  write(state_of_self());
  Result<PoolState> found = find_pool({"live", 0});
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->master_pid, ::getpid());
  Result<PoolState> by_pid = find_pool({"", ::getpid()});
  EXPECT_TRUE(by_pid.ok());
}

TEST_F(PoolLiveness, LockedButAnotherProcessIsNotAliveAndNotRemoved) {
  Result<InstanceLock> lock = InstanceLock::acquire(dir_, "live");
  ASSERT_TRUE(lock.ok());
  write(state_of_self(1));  // the pid was reused: its start time differs
  Result<PoolState> status = pool_status({"live", 0});
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(contains(status.error().message, "does not describe")) << status.error().message;
  EXPECT_TRUE(std::filesystem::exists(state_file_path(dir_)));
}

TEST_F(PoolLiveness, SignalRefusesAStalePool) {
  write(state_of_self());
  Result<Delivery> d = deliver_signal({"live", 0}, ControlSignal::usr1, std::nullopt);
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(contains(d.error().message, "not running (stale state"));
}

TEST_F(PoolLiveness, SignalRefusesHandEditedWorkerPids) {
  Result<InstanceLock> lock = InstanceLock::acquire(dir_, "live");
  ASSERT_TRUE(lock.ok());
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  uint64_t child_start = read_proc_stat(child)->start_time;
  PoolState s = state_of_self();
  auto row = [](uint32_t index, int32_t pid, uint64_t start) {
    WorkerRow w;
    w.index = index;
    w.worker_id = "worker_" + std::to_string(index);
    w.pid = pid;
    w.state = WorkerState::running;
    w.start_time = start;
    return w;
  };
  s.workers = {row(0, 0, 1), row(1, child, 0), row(2, child, child_start + 1),
               row(3, ::getppid(), read_proc_stat(::getppid())->start_time)};
  write(s);
  for (const char* w : {"0", "1", "2", "3"}) {
    Result<Delivery> d = deliver_signal({"live", 0}, ControlSignal::usr1, std::string(w));
    ASSERT_FALSE(d.ok()) << "worker " << w;
    EXPECT_TRUE(contains(d.error().message, "refusing to signal worker")) << d.error().message;
  }
  EXPECT_EQ(::waitpid(child, nullptr, WNOHANG), 0);  // never signalled
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

TEST_F(PoolLiveness, Usr1WaitEndsWhenTheTargetTookIt) {
  Result<InstanceLock> lock = InstanceLock::acquire(dir_, "live");
  ASSERT_TRUE(lock.ok());
  PoolState s = state_of_self();
  write(s);
  // This process is the "master": block USR1 so it stays pending until taken.
  sigset_t usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr1, &old), 0);
  // deliver_signal refuses to signal wpm itself: watch a pending USR1 sent by hand instead.
  ASSERT_EQ(::kill(::getpid(), SIGUSR1), 0);
  EffectWatch watch = EffectWatch::signal_taken(::getpid(), s.master_start_time, SIGUSR1);
  EXPECT_FALSE(watch.check(nullptr, 0));  // still pending
  siginfo_t info;
  timespec zero{0, 0};
  ASSERT_EQ(::sigtimedwait(&usr1, &info, &zero), SIGUSR1);
  std::optional<Effect> effect = watch.check(nullptr, 0);
  ASSERT_TRUE(effect);
  EXPECT_EQ(effect->text, "taken by pid " + std::to_string(::getpid()));
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

TEST_F(PoolLiveness, ReadersRefuseARuntimeDirectoryOthersCouldWrite) {
  Result<InstanceLock> lock = InstanceLock::acquire(dir_, "live");
  ASSERT_TRUE(lock.ok());
  write(state_of_self());
  ASSERT_TRUE(find_pool({"live", 0}).ok());
  ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);  // anyone could have planted this state file
  Result<PoolState> found = find_pool({"live", 0});
  ASSERT_FALSE(found.ok());
  EXPECT_TRUE(contains(found.error().message, "is not a private directory owned by this user"))
      << found.error().message;
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
}

TEST_F(PoolLiveness, StateWriterRecordsStartTimesOfItselfAndItsChildrenOnly) {
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  PoolSnapshot snap;
  for (int32_t pid : {static_cast<int32_t>(child), static_cast<int32_t>(::getppid())}) {
    WorkerSnapshot w;
    w.index = static_cast<uint32_t>(snap.workers.size());
    w.age = w.index + 1;
    w.worker_id = "worker_" + std::to_string(w.age) + "_1";
    w.pid = pid;
    w.state = WorkerState::running;
    snap.workers.push_back(w);
  }
  StateWriter writer(dir_, {"live", ::getpid(), "sync", "127.0.0.1:1", "127.0.0.1:2"});
  writer.write(snap);
  Result<InstanceLock> lock = InstanceLock::acquire(dir_, "live");
  ASSERT_TRUE(lock.ok());
  Result<PoolState> s = find_pool({"live", 0});  // alive: the recorded start time is ours
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->workers.size(), 2u);
  EXPECT_EQ(s->workers[0].start_time, read_proc_stat(child)->start_time);
  EXPECT_EQ(s->workers[1].start_time, 0u);  // not our child: never recorded, never signalled
  // The file round-trips every start time.
  Result<PoolState> parsed = parse_pool_state(to_json(*s));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->master_start_time, s->master_start_time);
  EXPECT_EQ(parsed->workers[0].start_time, s->workers[0].start_time);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace wpm::supervisor
