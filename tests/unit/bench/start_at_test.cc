// --start-at: RFC 3339 instants (Z, offsets, fractions) to unix seconds, and the up-front
// check that the warm-up fits before the instant.
#include "bench/start_at.h"

#include <gtest/gtest.h>

namespace wpm::bench {
namespace {

TEST(StartAt, ParsesRfc3339WithZOffsetsAndFractions) {
  // 2026-12-07T18:00:00Z = 1796666400 (date -u -d 2026-12-07T18:00:00Z +%s).
  EXPECT_DOUBLE_EQ(*parse_rfc3339("2026-12-07T18:00:00Z"), 1796666400.0);
  EXPECT_DOUBLE_EQ(*parse_rfc3339("2026-12-07t18:00:00z"), 1796666400.0);
  EXPECT_DOUBLE_EQ(*parse_rfc3339("2026-12-07 18:00:00Z"), 1796666400.0);
  EXPECT_DOUBLE_EQ(*parse_rfc3339("2026-12-07T19:00:00+01:00"), 1796666400.0);
  EXPECT_DOUBLE_EQ(*parse_rfc3339("2026-12-07T12:30:00-05:30"), 1796666400.0);
  EXPECT_NEAR(*parse_rfc3339("2026-12-07T18:00:00.250Z"), 1796666400.25, 1e-6);
  EXPECT_NEAR(*parse_rfc3339("2026-12-07T18:00:00.000001Z"), 1796666400.000001, 1e-6);
}

TEST(StartAt, RejectsWhatIsNotRfc3339) {
  for (const char* bad : {"", "2026-12-07", "2026-12-07T18:00:00", "2026-12-07T18:00Z", "2026-13-07T18:00:00Z",
                          "2026-02-31T18:00:00Z", "2026-12-07T24:00:00Z", "2026-12-07T18:00:00.Z",
                          "2026-12-07T18:00:00+0100", "2026-12-07T18:00:00Zjunk", "tomorrow", "+10s"}) {
    Result<double> r = parse_rfc3339(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().exit_code, kExitUsage);
    EXPECT_NE(r.error().message.find("RFC 3339"), std::string::npos) << r.error().message;
  }
}

TEST(StartAt, TheInstantMustLeaveRoomForTheWarmup) {
  EXPECT_TRUE(check_start_at(1010, 1000, 2));
  Result<void> passed = check_start_at(999, 1000, 0);
  ASSERT_FALSE(passed);
  EXPECT_NE(passed.error().message.find("passed 1.000 s ago"), std::string::npos) << passed.error().message;
  Result<void> soon = check_start_at(1002, 1000, 2);
  ASSERT_FALSE(soon);
  EXPECT_EQ(soon.error().exit_code, kExitUsage);
  EXPECT_NE(soon.error().message.find("too soon for --warmup 2.000 s"), std::string::npos) << soon.error().message;
  EXPECT_TRUE(check_start_at(1000 + kStartAtGateS + 0.01, 1000, 0));
}

}  // namespace
}  // namespace wpm::bench
