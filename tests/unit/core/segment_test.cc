#include "core/segment.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "core/slot_ops.h"
#include "core/snapshot.h"

namespace wpm {
namespace {

TEST(Segment, IsPrivateToTheUser) {
  Result<Segment> seg = Segment::create(4);
  ASSERT_TRUE(seg.ok()) << seg.error().message;
  struct stat st{};
  ASSERT_EQ(fstat(seg->fd(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(seg->capacity(), 4u);
}

TEST(Segment, AttachRefusesForeignMemory) {
  int fd = memfd_create("not-wpm", 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 1 << 16), 0);
  Result<Segment> seg = Segment::attach(fd);
  EXPECT_FALSE(seg.ok());
  close(fd);
}

// N real processes increment their own slots and one shared slot concurrently; the sums are
// exact because every update is an atomic add in shared memory.
TEST(Segment, ConcurrentChildProcessesSumExactly) {
  constexpr int kChildren = 6;
  constexpr int kPerChild = 20000;
  Result<Segment> seg = Segment::create(kChildren + 1);
  ASSERT_TRUE(seg.ok());
  for (uint32_t i = 0; i <= kChildren; ++i) claim_slot(seg->slot(i), i, i + 1, 0);

  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      Result<Segment> mine = Segment::attach(seg->fd());
      if (!mine.ok()) _exit(3);
      for (int i = 0; i < kPerChild; ++i) {
        record_request(mine->slot(static_cast<uint32_t>(c)).hot, 1'000'000, 100, 200);
        record_request(mine->slot(kChildren).hot, 1'000'000, 100, 200);  // shared slot
        if (i % 1000 == 0)
          count_failure(mine->slot(kChildren), "GET", "/error", "RuntimeError", 1, 1);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  PoolSnapshot pool = take_snapshot(*seg);
  ASSERT_EQ(pool.workers.size(), static_cast<size_t>(kChildren + 1));
  for (int c = 0; c < kChildren; ++c) EXPECT_EQ(pool.workers[c].requests, uint64_t{kPerChild});
  const WorkerSnapshot& shared = pool.workers[kChildren];
  EXPECT_EQ(shared.requests, uint64_t{kChildren} * kPerChild);
  EXPECT_EQ(shared.duration.count(), shared.requests);
  EXPECT_DOUBLE_EQ(shared.response_size.sum, 200.0 * kChildren * kPerChild);
  ASSERT_EQ(shared.label_sets.size(), 1u);
  EXPECT_EQ(shared.label_sets[0].failed, uint64_t{kChildren} * (kPerChild / 1000));
  EXPECT_EQ(pool.total_requests(), 2ull * kChildren * kPerChild);
}

TEST(Segment, HistogramInfBucketEqualsCount) {
  Result<Segment> seg = Segment::create(1);
  ASSERT_TRUE(seg.ok());
  claim_slot(seg->slot(0), 0, 1, 0);
  SlotHot& hot = seg->slot(0).hot;
  // Below the first bound, exactly on a bound, between bounds, beyond the last bound.
  for (uint64_t ns : {100'000ull, 500'000ull, 3'000'000ull, 120'000'000'000ull})
    record_request(hot, ns, 10, 10'000'000'000ull);
  WorkerSnapshot w = snapshot_slot(seg->slot(0), 0);
  EXPECT_EQ(w.duration.count(), 4u);
  EXPECT_EQ(w.duration.cumulative.back(), 4u);
  EXPECT_EQ(w.duration.cumulative[0], 2u);  // le=0.0005 includes 0.0005 itself
  EXPECT_EQ(w.duration.cumulative[kDurationBuckets.size() - 1], 3u);  // le=60
  for (size_t i = 1; i < w.duration.cumulative.size(); ++i)
    EXPECT_LE(w.duration.cumulative[i - 1], w.duration.cumulative[i]);
  EXPECT_EQ(w.response_size.cumulative[kSizeBuckets.size() - 1], 0u);  // 10 GB > every bound
}

TEST(Segment, LabelSetOverflowGoesToOther) {
  Result<Segment> seg = Segment::create(1);
  ASSERT_TRUE(seg.ok());
  claim_slot(seg->slot(0), 0, 1, 0);
  for (int i = 0; i < 100; ++i)
    count_failure(seg->slot(0), "GET", "/route/" + std::to_string(i), "E", 1, 0);
  count_failure(seg->slot(0), "GET", "/route/0", "E", 1, 0);  // an existing set still counts
  WorkerSnapshot w = snapshot_slot(seg->slot(0), 0);
  ASSERT_EQ(w.label_sets.size(), kMaxLabelSets);
  uint64_t total = 0;
  for (const LabelSetSnapshot& l : w.label_sets) total += l.failed;
  EXPECT_EQ(total, 101u);
  EXPECT_EQ(w.label_sets[0].failed, 2u);
  const LabelSetSnapshot& other = w.label_sets.back();
  EXPECT_EQ(other.endpoint, kOverflowLabel);
  EXPECT_EQ(other.failed, 100u - (kMaxLabelSets - 1));
}

TEST(Segment, RouteCountsAreBoundedWithAnOverflowSet) {
  Result<Segment> seg = Segment::create(1);
  ASSERT_TRUE(seg.ok());
  claim_slot(seg->slot(0), 0, 1, 0);
  for (int i = 0; i < 100; ++i)
    count_route<Writers::single>(seg->slot(0), "GET", "/route/" + std::to_string(i), 1);
  count_route<Writers::shared>(seg->slot(0), "GET", "/route/0", 2);  // an existing set counts
  count_route<Writers::single>(seg->slot(0), "POST", "/route/0", 1);  // another method: overflow
  WorkerSnapshot w = snapshot_slot(seg->slot(0), 0);
  ASSERT_EQ(w.routes.size(), kMaxRouteSets);
  uint64_t total = 0;
  for (const RouteSnapshot& r : w.routes) total += r.requests;
  EXPECT_EQ(total, 103u);
  EXPECT_EQ(w.routes[0].endpoint, "/route/0");
  EXPECT_EQ(w.routes[0].requests, 3u);
  EXPECT_EQ(w.routes.back().endpoint, kOverflowLabel);
  EXPECT_EQ(w.routes.back().method, kOverflowLabel);
  EXPECT_EQ(w.routes.back().requests, 100u - (kMaxRouteSets - 1) + 1);
}

TEST(Segment, FoldingARecycledSlotKeepsTotals) {
  Result<Segment> seg = Segment::create(2);
  ASSERT_TRUE(seg.ok());
  claim_slot(seg->slot(0), 0, 1, 0);
  for (int i = 0; i < 7; ++i) record_request(seg->slot(0).hot, 1000, 1, 1);
  count_route<Writers::single>(seg->slot(0), "GET", "/error", 7);
  count_failure(seg->slot(0), "GET", "/error", "RuntimeError", 1, 1);
  record_worker_exit(seg->slot(0).hot, ExitReason::abort);
  uint64_t before = take_snapshot(*seg).total_requests();
  fold_slot(seg->slot(0), seg->archive());
  reset_slot(seg->slot(0));
  PoolSnapshot after = take_snapshot(*seg);
  EXPECT_EQ(after.total_requests(), before);
  ASSERT_EQ(after.workers.size(), 1u);
  EXPECT_TRUE(after.workers[0].retired);
  EXPECT_EQ(after.workers[0].worker_id, kRetiredWorkerId);
  EXPECT_EQ(after.workers[0].restarts[static_cast<size_t>(ExitReason::abort)], 1u);
  ASSERT_EQ(after.workers[0].label_sets.size(), 1u);
  EXPECT_EQ(after.workers[0].label_sets[0].errors, 1u);
  ASSERT_EQ(after.workers[0].routes.size(), 1u);
  EXPECT_EQ(after.workers[0].routes[0].endpoint, "/error");
  EXPECT_EQ(after.workers[0].routes[0].requests, 7u);
}

TEST(Segment, WorkerRecordedExitIsVisibleToTheMaster) {
  Result<Segment> seg = Segment::create(1);
  ASSERT_TRUE(seg.ok());
  claim_slot(seg->slot(0), 0, 1, 0);
  EXPECT_FALSE(recorded_exit(seg->slot(0).hot).has_value());
  record_worker_exit(seg->slot(0).hot, ExitReason::quit);
  EXPECT_EQ(recorded_exit(seg->slot(0).hot), ExitReason::quit);
}

}  // namespace
}  // namespace wpm
