// File: text/internal/emoji.cc
// A code-point trie over ICU's RGI_Emoji strings.
#include "text/internal/emoji.h"

#include <unicode/uset.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace starling::text::internal {
namespace {

constexpr char32_t kVs16 = 0xFE0F;
constexpr char32_t kVs15 = 0xFE0E;

struct Node {
  bool terminal = false;
  std::vector<std::pair<char32_t, std::int32_t>> children;  // sorted by code point
};

class EmojiTrie {
 public:
  EmojiTrie() {
    nodes_.emplace_back();
    UErrorCode status = U_ZERO_ERROR;
    static const UChar kPattern[] = u"[\\p{RGI_Emoji}]";
    USet* set = uset_openPattern(kPattern, -1, &status);
    if (U_FAILURE(status)) return;
    const int32_t items = uset_getItemCount(set);
    std::vector<UChar> buf(64);
    for (int32_t k = 0; k < items; ++k) {
      UChar32 start = 0, end = 0;
      UErrorCode st = U_ZERO_ERROR;
      int32_t len =
          uset_getItem(set, k, &start, &end, buf.data(), static_cast<int32_t>(buf.size()), &st);
      if (st == U_BUFFER_OVERFLOW_ERROR) {
        buf.resize(static_cast<std::size_t>(len) + 1);
        st = U_ZERO_ERROR;
        len = uset_getItem(set, k, &start, &end, buf.data(), static_cast<int32_t>(buf.size()), &st);
      }
      if (U_FAILURE(st)) continue;
      if (len == 0) {
        for (UChar32 c = start; c <= end; ++c) Insert(&c, 1);
      } else {
        std::vector<UChar32> cps;
        for (int32_t i = 0; i < len;) {
          UChar32 c;
          U16_NEXT(buf.data(), i, len, c);
          cps.push_back(c);
        }
        Insert(cps.data(), cps.size());
      }
    }
    uset_close(set);
    for (Node& n : nodes_) std::sort(n.children.begin(), n.children.end());
  }

  std::int32_t Child(std::int32_t node, char32_t c) const {
    const auto& ch = nodes_[static_cast<std::size_t>(node)].children;
    auto it = std::lower_bound(ch.begin(), ch.end(), std::make_pair(c, INT32_MIN));
    return (it != ch.end() && it->first == c) ? it->second : -1;
  }
  bool Terminal(std::int32_t node) const { return nodes_[static_cast<std::size_t>(node)].terminal; }

 private:
  void Insert(const UChar32* cps, std::size_t n) {
    std::int32_t node = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char32_t c = static_cast<char32_t>(cps[i]);
      std::int32_t next = -1;
      for (const auto& [k, v] : nodes_[static_cast<std::size_t>(node)].children) {
        if (k == c) next = v;
      }
      if (next < 0) {
        next = static_cast<std::int32_t>(nodes_.size());
        nodes_[static_cast<std::size_t>(node)].children.emplace_back(c, next);
        nodes_.emplace_back();
      }
      node = next;
    }
    nodes_[static_cast<std::size_t>(node)].terminal = true;
  }

  std::vector<Node> nodes_;
};

const EmojiTrie& Trie() {
  static const EmojiTrie* trie = new EmojiTrie();
  return *trie;
}

// Longest terminal reachable from `node` reading s[i..]; VS16 edges may be
// skipped. `*skipped` reports whether the best path skipped a VS16.
std::int32_t Longest(const EmojiTrie& trie, std::int32_t node, const UChar* s, std::int32_t length,
                     std::int32_t i, int depth, bool skipped_so_far, bool* skipped) {
  std::int32_t best = trie.Terminal(node) ? i : -1;
  if (best >= 0) *skipped = skipped_so_far;
  if (depth > 32) return best;
  if (i < length) {
    std::int32_t j = i;
    UChar32 c;
    U16_NEXT(s, j, length, c);
    const std::int32_t next = trie.Child(node, static_cast<char32_t>(c));
    if (next >= 0) {
      bool sk = false;
      const std::int32_t r = Longest(trie, next, s, length, j, depth + 1, skipped_so_far, &sk);
      if (r > best) {
        best = r;
        *skipped = sk;
      }
    }
  }
  if (i >= length || s[i] != kVs16) {
    const std::int32_t vs = trie.Child(node, kVs16);
    if (vs >= 0) {
      bool sk = false;
      const std::int32_t r = Longest(trie, vs, s, length, i, depth + 1, true, &sk);
      if (r > best) {
        best = r;
        *skipped = sk;
      }
    }
  }
  return best;
}

}  // namespace

std::int32_t MatchEmoji(const UChar* s, std::int32_t length, std::int32_t i) {
  if (i >= length) return 0;
  std::int32_t j = i;
  UChar32 c;
  U16_NEXT(s, j, length, c);
  if (c < 0x80 && !(c == '#' || c == '*' || (c >= '0' && c <= '9'))) return 0;  // fast path
  if (c == '#' || c == '*' || (c >= '0' && c <= '9')) {  // keycap, VS16 optional
    std::int32_t k = j;
    if (k < length && s[k] == kVs16) ++k;
    return (k < length && s[k] == 0x20E3) ? k + 1 - i : 0;
  }
  if (c == static_cast<UChar32>(kVs16)) return 1;  // stray VS16
  const EmojiTrie& trie = Trie();
  const std::int32_t first = trie.Child(0, static_cast<char32_t>(c));
  std::int32_t best = -1;
  if (first >= 0) {
    bool skipped = false;
    best = Longest(trie, first, s, length, j, 1, false, &skipped);
    if (best == j && skipped) {
      // A text-default base without its VS16: twitter-text accepts it unless
      // it is (c), (r), TM or the chess pawn, or a VS15 asks for text style.
      const bool text_only = c == 0xA9 || c == 0xAE || c == 0x2122 || c == 0x265F;
      if (text_only || (j < length && s[j] == kVs15)) best = -1;
    }
  }
  if (best < 0 && c >= 0x1F1E6 && c <= 0x1F1FF) best = j;  // lone regional indicator
  return best < 0 ? 0 : best - i;
}

}  // namespace starling::text::internal
