#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "supervisor/pool.h"
#include "test_support.h"

namespace wpm::supervisor {
namespace {

void write_file(const std::string& path, mode_t mode) {
  std::ofstream(path) << "#!/bin/sh\n";
  ASSERT_EQ(chmod(path.c_str(), mode), 0);
}

// The master execs the lean binary next to itself when it is there and executable, and falls
// back to its own executable (which also understands `worker …`) otherwise.
TEST(WorkerExecutable, PrefersTheLeanSiblingWhenExecutable) {
  std::string dir = test::temp_dir();
  std::string self = dir + "/wpm";
  write_file(self, 0700);
  EXPECT_EQ(worker_executable(self), self);
  write_file(dir + "/wpm-worker", 0600);  // present but not executable
  EXPECT_EQ(worker_executable(self), self);
  ASSERT_EQ(chmod((dir + "/wpm-worker").c_str(), 0700), 0);
  EXPECT_EQ(worker_executable(self), dir + "/wpm-worker");
  EXPECT_EQ(worker_executable("wpm"), "wpm");  // no directory: nothing to look next to
}

}  // namespace
}  // namespace wpm::supervisor
