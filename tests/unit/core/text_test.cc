#include "core/text.h"

#include <gtest/gtest.h>

namespace wpm {
namespace {

TEST(Text, IequalsFoldsAsciiLettersOnly) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("close", "closed"));
  // '@' and '`' differ only in the bit that folds letters: they are not the same character.
  EXPECT_FALSE(iequals("@", "`"));
  EXPECT_FALSE(iequals("[", "{"));
  EXPECT_FALSE(iequals("\xC4", "\xE4"));  // bytes outside ASCII are compared as they are
}

TEST(Text, LowercaseTrimAndHex) {
  EXPECT_EQ(ascii_lowercase("HTTPS"), "https");
  EXPECT_EQ(trim_blanks(" \tkeep-alive \t"), "keep-alive");
  EXPECT_EQ(trim_blanks(" \t "), "");
  EXPECT_EQ(hex_digit('7'), 7);
  EXPECT_EQ(hex_digit('a'), 10);
  EXPECT_EQ(hex_digit('F'), 15);
  EXPECT_EQ(hex_digit('g'), -1);
  EXPECT_EQ(hex_digit('-'), -1);
}

}  // namespace
}  // namespace wpm
