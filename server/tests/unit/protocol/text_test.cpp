// Text rules behind join normalization and comment limits.
#include "protocol/text.hpp"

#include <gtest/gtest.h>

namespace serendip::protocol {
namespace {

TEST(Text, LanguageTagsKeepThePrimarySubtag) {
  struct Case {
    std::string_view in;
    std::optional<std::string> out;
  };
  for (const Case& c : std::initializer_list<Case>{{"en", "en"},
                                                   {"EN", "en"},
                                                   {"en-US", "en"},
                                                   {"zh-Hant-TW", "zh"},
                                                   {"fil", "fil"},
                                                   {"sl-rozaj-biske", "sl"},
                                                   {"de-419", "de"},
                                                   {"en-a-bbb-x-12345678", "en"},
                                                   {"", std::nullopt},
                                                   {"e", std::nullopt},
                                                   {"engl", std::nullopt},
                                                   {"en-", std::nullopt},
                                                   {"en--US", std::nullopt},
                                                   {"-en", std::nullopt},
                                                   {"en_US", std::nullopt},
                                                   {"x-klingon", std::nullopt},
                                                   {"i-navajo", std::nullopt},
                                                   {"e1", std::nullopt},
                                                   {"en-123456789", std::nullopt},
                                                   {"en US", std::nullopt},
                                                   {std::string_view("en\0", 3), std::nullopt},
                                                   {"\xc3\xabn", std::nullopt}}) {
    EXPECT_EQ(normalize_language_tag(c.in), c.out) << "input: " << c.in;
  }
}

TEST(Text, RegionsAreUppercasedAndRestricted) {
  EXPECT_EQ(normalize_region(""), "");
  EXPECT_EQ(normalize_region("eu-west_1"), "EU-WEST_1");
  EXPECT_EQ(normalize_region("de!"), std::nullopt);
  EXPECT_EQ(normalize_region("d e"), std::nullopt);
  EXPECT_EQ(normalize_region("\xc3\xa9"), std::nullopt);
}

TEST(Text, TrimAndLower) {
  EXPECT_EQ(trim_ascii_space(" \t\r\n\v\fa b\n"), "a b");
  EXPECT_EQ(trim_ascii_space("   "), "");
  EXPECT_EQ(trim_ascii_space(""), "");
  EXPECT_EQ(ascii_lower("MuSiC \xc3\x89"), "music \xc3\x89");  // É stays: ASCII only
}

TEST(Text, CodePoints) {
  EXPECT_EQ(count_code_points(""), 0u);
  EXPECT_EQ(count_code_points("abc"), 3u);
  EXPECT_EQ(count_code_points("\xc3\xa9"), 1u);           // é
  EXPECT_EQ(count_code_points("\xe6\x97\xa5"), 1u);       // 日
  EXPECT_EQ(count_code_points("\xf0\x9f\x98\x80x"), 2u);  // 😀x
}

TEST(Text, ControlCharacters) {
  EXPECT_FALSE(has_control_char("plain text \xc3\xa9"));
  EXPECT_TRUE(has_control_char("a\tb"));
  EXPECT_TRUE(has_control_char(std::string_view("a\0b", 3)));
  EXPECT_TRUE(has_control_char("a\x7f"));
  EXPECT_TRUE(has_control_char("a\xc2\x85"));   // U+0085 NEL
  EXPECT_FALSE(has_control_char("a\xc2\xa0"));  // U+00A0 NBSP is not a control
}

TEST(Text, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("ascii"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xe6\x97"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
}

TEST(Text, PushUniqueKeepsFirstOccurrence) {
  std::vector<std::string> v;
  for (const char* s : {"b", "a", "b", "c", "a"}) push_unique(v, s);
  EXPECT_EQ(v, (std::vector<std::string>{"b", "a", "c"}));
}

}  // namespace
}  // namespace serendip::protocol
