// Tests for TokenAuth (engine/http/token_auth.h): file format, the Bearer
// scheme, near misses, reload on request, and that a broken reload keeps
// the previous tokens.
#include "engine/http/token_auth.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace segstream {
namespace {

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(TokenAuth, AcceptsOnlyKnownBearerTokens) {
  const std::string path = WriteFile("tokens1", "# comment\n\n  alpha-123  \nbeta\r\n");
  auto auth = TokenAuth::Load(path);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  TokenAuth& a = **auth;
  EXPECT_TRUE(a.Check("Bearer alpha-123"));
  EXPECT_TRUE(a.Check("bearer beta"));  // the scheme is case-insensitive
  for (const char* bad : {"", "Bearer", "Bearer ", "Bearer alpha-12", "Bearer alpha-1234", "Basic alpha-123",
                          "alpha-123", "Bearer # comment", "Bearer  ", "Bearer ALPHA-123"}) {
    EXPECT_FALSE(a.Check(bad)) << bad;
  }
}

TEST(TokenAuth, LoadErrorsNameTheFileNotTheTokens) {
  auto missing = TokenAuth::Load(::testing::TempDir() + "/no-such-tokens");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no-such-tokens"), std::string::npos);
  auto empty = TokenAuth::Load(WriteFile("tokens-empty", "# only a comment\n"));
  EXPECT_FALSE(empty.ok());
}

TEST(TokenAuth, ReloadOnRequestAndKeepOnFailure) {
  const std::string path = WriteFile("tokens2", "old\n");
  auto auth = TokenAuth::Load(path);
  ASSERT_TRUE(auth.ok());
  TokenAuth& a = **auth;
  WriteFile("tokens2", "new\n");
  EXPECT_TRUE(a.Check("Bearer old"));  // no reload requested yet
  TokenAuth::RequestReload();
  EXPECT_TRUE(a.Check("Bearer new"));
  EXPECT_FALSE(a.Check("Bearer old"));
  std::remove(path.c_str());
  TokenAuth::RequestReload();
  EXPECT_TRUE(a.Check("Bearer new"));  // the file is gone: the tokens stay
}

}  // namespace
}  // namespace segstream
