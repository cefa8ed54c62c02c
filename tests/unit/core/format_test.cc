#include "core/format.h"

#include <gtest/gtest.h>

#include <cmath>

namespace wpm {
namespace {

TEST(Format, SecondsInTheLargestUnitWithThreeDigits) {
  EXPECT_EQ(format_seconds(0.0074158), "7.42ms");
  EXPECT_EQ(format_seconds(0.000812), "812us");
  EXPECT_EQ(format_seconds(2.5), "2.50s");
  EXPECT_EQ(format_seconds(0.0999999), "100ms");
  EXPECT_EQ(format_seconds(3600), "3600s");
  EXPECT_EQ(format_seconds(4e-9), "4.00ns");
  EXPECT_EQ(format_seconds(0), "0");
  EXPECT_EQ(format_seconds(NAN), "-");
  EXPECT_EQ(format_nanoseconds(18'421'900), "18.4ms");
  EXPECT_EQ(format_nanoseconds(3'600'000'000), "3.60s");
}

TEST(Format, BytesInBinaryUnits) {
  EXPECT_EQ(format_bytes(512), "512B");
  EXPECT_EQ(format_bytes(1024), "1.0KiB");
  EXPECT_EQ(format_bytes(18 * 1048576ull), "18.0MiB");
  EXPECT_EQ(format_bytes(3ull << 30), "3.0GiB");
  EXPECT_EQ(format_bytes(5ull << 50), "5120.0TiB");  // the largest unit keeps growing
}

TEST(Format, FixedDecimals) {
  EXPECT_EQ(format_fixed(2.345, 1), "2.3");
  EXPECT_EQ(format_fixed(-1, 2), "-1.00");
  EXPECT_EQ(format_fixed(INFINITY, 2), "-");
}

}  // namespace
}  // namespace wpm
