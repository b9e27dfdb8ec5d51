// Tests for the canonical customer id (engine/event/customer_id.h): the
// forms issue 11 names (91001.0, 091002), the UCI float form, and ids that
// must be rejected everywhere.
#include "engine/event/customer_id.h"

#include <gtest/gtest.h>

namespace segstream {
namespace {

std::string Canon(std::string_view s) {
  std::string id = "junk";
  EXPECT_TRUE(CanonicalCustomerId(s, &id)) << s;
  return id;
}

TEST(CanonicalCustomerId, AcceptedForms) {
  EXPECT_EQ(Canon(""), "");
  EXPECT_EQ(Canon("   "), "");
  EXPECT_EQ(Canon("17850"), "17850");
  EXPECT_EQ(Canon("17850.0"), "17850");
  EXPECT_EQ(Canon(" 017850.00 "), "17850");
  EXPECT_EQ(Canon("\t91001.0"), "91001");
  EXPECT_EQ(Canon("091002"), "91002");
  EXPECT_EQ(Canon("00001"), "1");   // CDNOW pads ids to 5 digits
  EXPECT_EQ(Canon("0"), "0");
  EXPECT_EQ(Canon("000"), "0");
  EXPECT_EQ(Canon("0.0"), "0");
  EXPECT_EQ(Canon("123456789012345678"), "123456789012345678");
  EXPECT_EQ(Canon("000123456789012345678"), "123456789012345678");  // 18 significant digits
  EXPECT_EQ(Canon("17850."), "17850");
}

TEST(CanonicalCustomerId, RejectedForms) {
  std::string id = "junk";
  for (const char* s : {"17850.5", "-3", "abc", "1234567890123456789", "1e5", "17850x", ".5", "+3", "1 2",
                        "17850.0x", "0x10", "١٢"}) {
    EXPECT_FALSE(CanonicalCustomerId(s, &id)) << s;
    EXPECT_EQ(id, "") << s;
  }
}

TEST(CanonicalCustomerId, LookupForm) {
  EXPECT_EQ(CanonicalCustomerIdForLookup("91001.0"), "91001");
  EXPECT_EQ(CanonicalCustomerIdForLookup("091002"), "91002");
  EXPECT_EQ(CanonicalCustomerIdForLookup(""), std::nullopt);
  EXPECT_EQ(CanonicalCustomerIdForLookup("abc"), std::nullopt);
}

TEST(CanonicalCustomerId, Idempotent) {
  for (const char* s : {"17850.0", "091002", "0", " 12 "}) {
    const std::string once = Canon(s);
    EXPECT_EQ(Canon(once), once) << s;
  }
}

}  // namespace
}  // namespace segstream
