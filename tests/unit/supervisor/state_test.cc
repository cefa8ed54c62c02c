#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "supervisor/instance.h"
#include "supervisor/state_writer.h"
#include "test_support.h"

namespace wpm::supervisor {
namespace {

WorkerSnapshot worker(uint32_t index, uint64_t age, WorkerState state, bool exited = false) {
  WorkerSnapshot w;
  w.index = index;
  w.age = age;
  w.worker_id = "worker_" + std::to_string(age) + "_1";
  w.pid = static_cast<int32_t>(1000 + age);
  w.state = state;
  w.exited = exited;
  w.requests = age * 10;
  return w;
}

TEST(MakePoolState, LiveWorkersByIndexNewestFirst) {
  PoolSnapshot snap;
  WorkerSnapshot retired;
  retired.retired = true;
  snap.workers.push_back(retired);
  snap.workers.push_back(worker(1, 2, WorkerState::running));
  snap.workers.push_back(worker(0, 1, WorkerState::quitting));  // reloaded, draining
  snap.workers.push_back(worker(0, 4, WorkerState::running));   // its successor
  snap.workers.push_back(worker(1, 3, WorkerState::exited, true));
  PoolState s = make_pool_state({"p", 77, "sync", "127.0.0.1:1", "127.0.0.1:2"}, snap);
  EXPECT_EQ(s.name, "p");
  EXPECT_EQ(s.master_pid, 77);
  EXPECT_EQ(s.bind, "127.0.0.1:1");
  EXPECT_EQ(s.metrics_bind, "127.0.0.1:2");
  ASSERT_EQ(s.workers.size(), 3u);
  EXPECT_EQ(s.workers[0].worker_id, "worker_4_1");
  EXPECT_EQ(s.workers[1].worker_id, "worker_1_1");
  EXPECT_EQ(s.workers[1].state, WorkerState::quitting);
  EXPECT_EQ(s.workers[2].worker_id, "worker_2_1");
  EXPECT_EQ(s.workers[2].requests, 20u);
}

TEST(InstanceLock, SecondMasterWithTheSameNameIsRefused) {
  std::string dir = test::temp_dir();
  Result<InstanceLock> first = InstanceLock::acquire(dir, "pool-a");
  ASSERT_TRUE(first.ok()) << first.error().message;
  Result<InstanceLock> second = InstanceLock::acquire(dir, "pool-a");
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("a pool named 'pool-a' is already running"),
            std::string::npos);
  { InstanceLock released = std::move(*first); }
  // Releasing removes the lock file and the emptied runtime directory.
  EXPECT_FALSE(std::filesystem::exists(dir));
  std::filesystem::create_directory(dir);
  EXPECT_TRUE(InstanceLock::acquire(dir, "pool-a").ok());
  std::filesystem::remove_all(dir);
}

TEST(PidFile, WrittenPrivateAndRemoved) {
  std::string dir = test::temp_dir();
  std::string path = dir + "/wpm.pid";
  {
    Result<PidFile> pid = PidFile::write(path, 4321);
    ASSERT_TRUE(pid.ok()) << pid.error().message;
    EXPECT_EQ(test::read_file(path), "4321\n");
    struct stat st{};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  EXPECT_FALSE(PidFile::write(dir + "/missing/wpm.pid", 1).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wpm::supervisor
