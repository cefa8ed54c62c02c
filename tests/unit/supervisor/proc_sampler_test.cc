#include "supervisor/proc_sampler.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "core/clock.h"
#include "core/slot_ops.h"

namespace wpm::supervisor {
namespace {

// CPU time this process has used: burning "N ms of CPU" by it holds on a loaded machine,
// where burning N ms of wall time may get only a fraction of a core.
uint64_t process_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

TEST(ParseProcStat, HandlesParenthesesAndSpacesInTheCommand) {
  std::string text =
      "1234 (we ird) (name)) S 1 1234 1234 0 -1 4194560 100 0 0 0 57 13 0 0 20 0 1 0 99 1000 50";
  char state = 0;
  uint64_t utime = 0, stime = 0;
  ASSERT_TRUE(parse_proc_stat(text, state, utime, stime));
  EXPECT_EQ(state, 'S');
  EXPECT_EQ(utime, 57u);
  EXPECT_EQ(stime, 13u);
  EXPECT_FALSE(parse_proc_stat("garbage", state, utime, stime));
}

TEST(CpuPermille, IsPercentTimesThousand) {
  EXPECT_EQ(cpu_permille(0, 0, 500'000'000, 1'000'000'000), 50'000u);  // half a core
  EXPECT_EQ(cpu_permille(0, 0, 2'000'000'000, 1'000'000'000), 200'000u);  // two cores
  EXPECT_EQ(cpu_permille(10, 5, 10, 100), 0u);  // idle
  EXPECT_EQ(cpu_permille(0, 100, 10, 100), 0u);  // no time elapsed
}

TEST(ReadProcSample, SeesOwnMemoryAndCpu) {
  // Touch 8 MiB so RSS is clearly above it, and burn a little CPU.
  std::vector<char> block(8 << 20, 1);
  volatile uint64_t sink = 0;
  uint64_t until = process_cpu_ns() + 50'000'000;
  while (process_cpu_ns() < until) sink = sink + 1;
  Result<ProcSample> s = read_proc_sample(getpid());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_GT(s->rss_bytes, 8u << 20);
  EXPECT_GT(s->cpu_ns, 0u);
  EXPECT_FALSE(s->zombie);
  EXPECT_FALSE(read_proc_sample(0x3fffffff).ok());  // beyond pid_max
}

// A busy child sampled once: CPU percent is computed since spawn, so it is not 0 on the first
// sample; an idle stretch afterwards reads as ~0.
TEST(ProcSampler, FirstSampleMeasuresSinceSpawn) {
  Result<Segment> seg = Segment::create(2);
  ASSERT_TRUE(seg.ok());
  WorkerSlot& slot = seg->slot(1);
  claim_slot(slot, 0, 1, 0);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // burn 300 ms of CPU (its own CPU clock: a loaded machine only takes
                     // longer), report, then sleep until killed
    volatile uint64_t sink = 0;
    while (process_cpu_ns() < 300'000'000) sink = sink + 1;
    (void)!write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  slot.life.pid.store(child);
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ProcSampler sampler;
  sampler.sample(*seg, monotonic_ns());
  EXPECT_GT(slot.life.rss_bytes.load(), 0u);
  EXPECT_GE(slot.life.cpu_ns.load(), 100'000'000u);  // at least 0.1 s of the 0.3 s burned
  EXPECT_GT(slot.life.cpu_permille.load(), 0u);
  EXPECT_LE(slot.life.cpu_permille.load(), 105'000u);  // one thread: at most one core
  usleep(200'000);
  sampler.sample(*seg, monotonic_ns());
  EXPECT_LT(slot.life.cpu_permille.load(), 10'000u);  // idle since the last sample: < 10 %
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(ready[0]);
  close(ready[1]);
}

TEST(ProcSampler, SkipsFreeAndExitedSlots) {
  Result<Segment> seg = Segment::create(2);
  ASSERT_TRUE(seg.ok());
  WorkerSlot& slot = seg->slot(0);
  claim_slot(slot, 0, 1, getpid());
  slot.life.status.store(static_cast<uint32_t>(SlotStatus::exited));
  slot.life.rss_bytes.store(42);
  ProcSampler sampler;
  sampler.sample(*seg, monotonic_ns());
  EXPECT_EQ(slot.life.rss_bytes.load(), 42u);  // final values stay
  EXPECT_EQ(seg->slot(1).life.rss_bytes.load(), 0u);
}

// A worker that is aborting (or marked exited) is tearing down: its last live reading stays.
TEST(ProcSampler, KeepsTheLastLiveReadingOfADyingWorker) {
  Result<Segment> seg = Segment::create(1);
  ASSERT_TRUE(seg.ok());
  WorkerSlot& slot = seg->slot(0);
  claim_slot(slot, 0, 1, getpid());  // this process stands in for a live worker
  set_state(slot.hot, WorkerState::running);
  ProcSampler sampler;
  sampler.sample_slot(slot, 0, monotonic_ns());
  uint64_t live = slot.life.rss_bytes.load();
  EXPECT_GT(live, 0u);
  for (WorkerState dying : {WorkerState::aborting, WorkerState::exited}) {
    set_state(slot.hot, dying);
    slot.life.rss_bytes.store(live - 1);  // a marker: any new reading would overwrite it
    sampler.sample_slot(slot, 0, monotonic_ns());
    EXPECT_EQ(slot.life.rss_bytes.load(), live - 1) << to_string(dying);
  }
  set_state(slot.hot, WorkerState::quitting);  // draining still serves: sampled
  sampler.sample_slot(slot, 0, monotonic_ns());
  EXPECT_NE(slot.life.rss_bytes.load(), live - 1);
}

}  // namespace
}  // namespace wpm::supervisor
