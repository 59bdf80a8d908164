#include "common/limits/limits.h"

#include <gtest/gtest.h>

namespace burnout::limits {
namespace {

TEST(LimitsTest, AcceptsUtf8Text) {
  EXPECT_TRUE(CheckText("I'm tired — très fatigué 😴", 100, "k").ok());
}

TEST(LimitsTest, RejectsEmptyAndWhitespace) {
  EXPECT_EQ(CheckText("", 100, "k").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckText(" \t\n ", 100, "k").code(), absl::StatusCode::kInvalidArgument);
}

TEST(LimitsTest, RejectsOverLimitNamingTheKey) {
  auto s = CheckText(std::string(101, 'a'), 100, "max_text_bytes");
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("101 bytes"), std::string::npos) << s;
  EXPECT_NE(s.message().find("100"), std::string::npos) << s;
  EXPECT_NE(s.message().find("max_text_bytes"), std::string::npos) << s;
}

TEST(LimitsTest, FindsInvalidUtf8) {
  EXPECT_EQ(FirstInvalidUtf8("abc"), -1);
  EXPECT_EQ(FirstInvalidUtf8("ab\xff"), 2);
  EXPECT_EQ(FirstInvalidUtf8("a\xc3"), 1);           // truncated sequence
  EXPECT_EQ(FirstInvalidUtf8("\xc0\xaf"), 0);        // overlong
  EXPECT_EQ(FirstInvalidUtf8("\xed\xa0\x80"), 0);    // surrogate
  EXPECT_EQ(FirstInvalidUtf8("\xf4\x90\x80\x80"), 0);  // past U+10FFFF
  auto s = CheckText("ok \xff", 100, "k");
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("offset 3"), std::string::npos) << s;
}

}  // namespace
}  // namespace burnout::limits
