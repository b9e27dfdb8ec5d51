// Tests for CutUtf8, the dead-letter `raw` field's truncation.
#include "connectors/kafka/utf8_cut.h"

#include <gtest/gtest.h>

namespace segstream {
namespace {

TEST(CutUtf8Test, KeepsValidTextAndCutsAtTheLimit) {
  EXPECT_EQ(CutUtf8("hello", 100), "hello");
  EXPECT_EQ(CutUtf8("hello", 3), "hel");
  EXPECT_EQ(CutUtf8("", 3), "");
}

TEST(CutUtf8Test, NeverSplitsACharacter) {
  // "é" is two bytes: a 3-byte budget holds "aé" but not "aéé"[0..3].
  EXPECT_EQ(CutUtf8("a\xC3\xA9\xC3\xA9", 4), "a\xC3\xA9");
  EXPECT_EQ(CutUtf8("a\xC3\xA9", 2), "a");
  EXPECT_EQ(CutUtf8("\xF0\x9F\x98\x80x", 4), "\xF0\x9F\x98\x80");
}

TEST(CutUtf8Test, ReplacesInvalidBytes) {
  EXPECT_EQ(CutUtf8("a\xE9z", 100), "a\xEF\xBF\xBDz");         // Latin-1 é
  EXPECT_EQ(CutUtf8("\xC0\xAF", 100), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  EXPECT_EQ(CutUtf8("\xED\xA0\x80", 100), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(CutUtf8("\xE2\x82", 100), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
}

}  // namespace
}  // namespace segstream
