// File: text/internal/emoji.h
// Longest-match emoji sequences for the weighted tweet length (config v3):
// ICU's \p{RGI_Emoji} set (sequences included) with U+FE0F optional, plus the
// leniencies of twitter-text's TwitterTextEmojiRegex (keycaps without VS16,
// lone regional indicators, stray VS16; no bare (c), (r), TM, chess pawn).
#pragma once

#include <unicode/utypes.h>

#include <cstdint>

namespace starling::text::internal {

// Length in UTF-16 code units of the emoji sequence starting at s[i], or 0.
// Thread-safe; the trie is built on first use.
std::int32_t MatchEmoji(const UChar* s, std::int32_t length, std::int32_t i);

}  // namespace starling::text::internal
