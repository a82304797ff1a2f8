// File: text/extract.h
// Entity extraction from plain text, to the twitter-text standard: hashtags,
// mentions (and lists), URLs and cashtags, exactly as the official
// twitter-text library extracts them (conformance: ../shared/data/twitter-text/extract.yml).
// Pure functions; thread-safe; input must be UTF-8 (invalid bytes are treated
// as non-word characters and never crash the extractor).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace starling::text {

enum class EntityType : std::uint8_t { kHashtag, kMention, kUrl, kCashtag };

struct Entity {
  EntityType type;
  std::string value;      // without the sigil ('#', '@'/'＠', '$'); URL as written
  std::string list_slug;  // for "@user/list" mentions: "/list"; else empty
  // Offsets in Unicode code points, end exclusive (twitter-text "indices").
  std::int32_t start = 0;
  std::int32_t end = 0;
  // Same offsets in UTF-16 code units (what JavaScript and the Java library report).
  std::int32_t start_utf16 = 0;
  std::int32_t end_utf16 = 0;
};

std::vector<Entity> ExtractHashtags(std::string_view text);
std::vector<Entity> ExtractCashtags(std::string_view text);
std::vector<Entity> ExtractUrls(std::string_view text);
// Mentions only (list mentions excluded, like twitter-text extractMentionedScreenNames).
std::vector<Entity> ExtractMentions(std::string_view text);
// Mentions and list mentions ("@user/list"), like extractMentionsOrListsWithIndices.
std::vector<Entity> ExtractMentionsOrLists(std::string_view text);
// The screen name a tweet replies to ("@user ..." at the start), empty if none.
std::string ExtractReplyScreenName(std::string_view text);
// All entities in text order with overlaps removed, like extractEntitiesWithIndices.
std::vector<Entity> ExtractEntities(std::string_view text);

}  // namespace starling::text
