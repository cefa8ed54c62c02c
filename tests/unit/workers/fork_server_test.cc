// The fork server's protocol and its CLONE_PARENT forks, with the test process as the master.
#include "workers/fork_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "core/fork_request.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace wpm {
namespace {

TEST(ForkServer, FindsEachThreadsOwnThreadIdCell) {
  int* main_cell = own_thread_id_cell();
  ASSERT_NE(main_cell, nullptr);
  EXPECT_EQ(*main_cell, static_cast<int>(::syscall(SYS_gettid)));
  int* other_cell = nullptr;
  int other_tid = 0;
  std::thread([&] {
    other_cell = own_thread_id_cell();
    other_tid = static_cast<int>(::syscall(SYS_gettid));
  }).join();
  ASSERT_NE(other_cell, nullptr);
  EXPECT_NE(other_cell, main_cell);
  EXPECT_EQ(*main_cell, static_cast<int>(::syscall(SYS_gettid)));
  EXPECT_NE(other_tid, *main_cell);
}

// Runs a fork server in a child of this process on one end of a socketpair and reads its
// hello, which must say it can fork; returns its pid. `master_end` closes on every way out of
// a test, and the fork server then ends on EOF.
pid_t start_server(UniqueFd& master_end) {
  int pair[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pair[0]);
    WorkerOptions options;  // no segment: every forked worker fails at once with kExitRuntime
    options.fork_server_fd = pair[1];
    _exit(run_fork_server(options, nullptr, {}));
  }
  ::close(pair[1]);
  master_end.reset(pair[0]);
  ForkHello hello;
  hello.version = 0;
  EXPECT_EQ(::recv(pair[0], &hello, sizeof hello, 0), static_cast<ssize_t>(sizeof hello));
  EXPECT_EQ(hello.version, kForkProtocolVersion);
  EXPECT_EQ(hello.error, 0);
  return pid;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);  // fails unless `pid` is our own child
  EXPECT_TRUE(WIFEXITED(status)) << status;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ForkServer, ForksChildrenOfItsParentAndEndsOnEndOfFile) {
  UniqueFd socket;
  pid_t server = start_server(socket);
  int fd = socket.get();
  for (uint32_t i = 1; i <= 3; ++i) {
    ForkRequest request;
    request.slot = i;
    request.index = i - 1;
    request.sequence = 100 + i;
    ASSERT_EQ(::send(fd, &request, sizeof request, 0), static_cast<ssize_t>(sizeof request));
    ForkReply reply;
    ASSERT_EQ(::recv(fd, &reply, sizeof reply, 0), static_cast<ssize_t>(sizeof reply));
    EXPECT_EQ(reply.sequence, 100 + i);
    ASSERT_GT(reply.pid, 0) << reply.error;
    EXPECT_NE(reply.pid, server);
    // Our child (CLONE_PARENT), which ran run_worker and failed on the missing segment.
    EXPECT_EQ(wait_exit_code(reply.pid), kExitRuntime);
  }
  socket.reset();
  EXPECT_EQ(wait_exit_code(server), kExitOk);
}

TEST(ForkServer, EndsOnAMalformedRequest) {
  UniqueFd socket;
  pid_t server = start_server(socket);
  ASSERT_EQ(::send(socket.get(), "bad", 3, 0), 3);
  EXPECT_EQ(wait_exit_code(server), kExitRuntime);
}

}  // namespace
}  // namespace wpm
