// Text rules of the join preferences and comment limits: language tags,
// region codes, interest tags, code point counting. Inputs are UTF-8 that the
// JSON parser has already validated, except for is_valid_utf8 itself.
// Internal to protocol/ (the decoder and its tests).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace serendip::protocol {

// BCP-47 tag -> its primary language subtag, lowercase: "en-US" -> "en",
// "ZH-Hant-TW" -> "zh". The primary subtag must be 2 or 3 ASCII letters;
// further subtags must be 1..8 ASCII letters or digits. Anything else
// (grandfathered "i-..." tags, private use "x-...", empty subtags) -> nullopt.
std::optional<std::string> normalize_language_tag(std::string_view tag);

// Region: only [A-Za-z0-9_-] allowed (length is checked by the caller);
// returned uppercase so that "de" and "DE" are the same region.
std::optional<std::string> normalize_region(std::string_view region);

std::string_view trim_ascii_space(std::string_view s);  // space, \t, \n, \v, \f, \r
std::string ascii_lower(std::string_view s);            // non-ASCII bytes unchanged

// Code points of valid UTF-8 (what a user thinks of as characters, roughly).
std::size_t count_code_points(std::string_view utf8);

// C0 controls, DEL and C1 controls (U+0080..U+009F).
bool has_control_char(std::string_view utf8);

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);

// Appends `s` unless an equal string is already present (order preserved;
// the lists are at most 10 entries long).
void push_unique(std::vector<std::string>& list, std::string s);

}  // namespace serendip::protocol
