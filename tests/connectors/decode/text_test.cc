// Tests for the UTF-8 / Latin-1 text helpers.
#include "connectors/decode/text.h"

#include <gtest/gtest.h>

namespace segstream::decode {
namespace {

TEST(Text, ScanFindsControlBytes) {
  EXPECT_FALSE(ScanText("plain\ttext").has_control);
  EXPECT_FALSE(ScanText("plain").has_high);
  EXPECT_TRUE(ScanText("caf\xC3\xA9").has_high);
  const TextScan s = ScanText(std::string_view("ab\0cd", 5));
  EXPECT_TRUE(s.has_control);
  EXPECT_EQ(s.control_pos, 2u);
  EXPECT_TRUE(ScanText("a\x7F").has_control);
  EXPECT_TRUE(ScanText("a\rb").has_control);
}

TEST(Text, Latin1Transcodes) {
  std::string out;
  AppendLatin1AsUtf8("Voucher \xA3" "40", &out);
  EXPECT_EQ(out, "Voucher \xC2\xA3" "40");
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_FALSE(IsValidUtf8("Voucher \xA3" "40"));
}

TEST(Text, PrefixCutsAtCharacterBoundary) {
  const std::string s = "ab\xC2\xA3\xE2\x82\xAC";  // a b £ €
  EXPECT_EQ(Utf8Prefix(s, 3), "ab");
  EXPECT_EQ(Utf8Prefix(s, 4), "ab\xC2\xA3");
  EXPECT_EQ(Utf8Prefix(s, 6), "ab\xC2\xA3");
  EXPECT_EQ(Utf8Prefix(s, 7), s);
  std::string out;
  AssignValidUtf8Prefix(std::string(10, '\xA3'), 5, &out);  // Latin-1: each byte becomes 2
  EXPECT_EQ(out, "\xC2\xA3\xC2\xA3");
  EXPECT_TRUE(IsValidUtf8(out));
}

}  // namespace
}  // namespace segstream::decode
