#include "loadgen/progress.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "tests/unit/loadgen/engine_helpers.h"

namespace wpm::loadgen {
namespace {

std::string drain_pipe(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(ProgressFormat, ShowsPhaseCountsRateLatencyErrors) {
  Progress p;
  p.phase = Progress::Phase::measuring;
  p.elapsed_s = 3.24;
  p.duration_s = 10;
  p.completed = 12345;
  p.window = true;
  p.rate = 3850;
  p.target_rate = 4000;
  p.p99_s = 0.0123;
  p.errors = 7;
  EXPECT_EQ(format_progress(p), "measuring 3.2/10 s | 12345 req | 3850/s (target 4000/s) | p99 12.3 ms | 7 errors");
  p.target_rate = 0;
  EXPECT_EQ(format_progress(p), "measuring 3.2/10 s | 12345 req | 3850/s | p99 12.3 ms | 7 errors");
  // A complete second in which nothing came back: a real 0/s, and no latency to show.
  p.rate = 0;
  p.p99_s = 0;
  EXPECT_EQ(format_progress(p), "measuring 3.2/10 s | 12345 req | 0/s | p99 - | 7 errors");
}

// Before the first complete measured second there is no rate or p99: the line says so
// instead of showing "0/s | p99 -" as if the server had stopped answering.
TEST(ProgressFormat, NoRateBeforeTheFirstCompleteSecond) {
  Progress p;
  p.phase = Progress::Phase::warmup;
  p.elapsed_s = 0.5;
  p.duration_s = 1;
  p.completed = 900;
  EXPECT_EQ(format_progress(p), "warmup 0.5/1 s | 900 req | warming up | 0 errors");
  p.phase = Progress::Phase::measuring;
  p.elapsed_s = 0.4;
  p.duration_s = 10;
  p.completed = 700;
  p.target_rate = 4000;
  EXPECT_EQ(format_progress(p), "measuring 0.4/10 s | 700 req | first second in progress | 0 errors");
  p.phase = Progress::Phase::done;
  EXPECT_EQ(format_progress(p), "done 0.4/10 s | 700 req | no complete second | 0 errors");
}

TEST(ProgressLine, PlainModeOnAPipePrintsWholeLines) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  {
    ProgressLine line(fds[1], ProgressMode::automatic, "sync", 3600);
    EXPECT_EQ(line.mode(), ProgressMode::plain);  // a pipe is not a terminal
    Progress p;
    line.update(p);
    line.update(p);  // not due yet: the interval is an hour
    p.phase = Progress::Phase::done;
    line.finish(&p);
  }
  std::string out = drain_pipe(fds[0]);
  EXPECT_EQ(out, "sync: warmup 0.0/0 s | 0 req | warming up | 0 errors\nsync: done 0.0/0 s | 0 req | no complete second | 0 errors\n");
  close(fds[0]);
  close(fds[1]);
}

TEST(ProgressLine, TtyModeRewritesOneLineAndClearsIt) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  {
    ProgressLine line(fds[1], ProgressMode::tty);
    line.update(Progress{});
  }
  std::string out = drain_pipe(fds[0]);
  EXPECT_EQ(out.front(), '\r');
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\x1b[K");
  close(fds[0]);
  close(fds[1]);
}

TEST(ProgressLine, OffWritesNothingAndWaitStillReturns) {
  testing::DelayServer server({});
  LoadSpec spec = testing::spec_for(server.port());
  spec.duration_s = 0.3;
  auto run = LoadRun::start(spec);
  ASSERT_TRUE(run);
  ProgressLine line(-1, ProgressMode::off);  // an invalid fd would fail any write
  LoadResult r = wait_with_progress(**run, line);
  EXPECT_GT(r.counts.responses, 0u);
  EXPECT_FALSE(line.enabled());
}

}  // namespace
}  // namespace wpm::loadgen
