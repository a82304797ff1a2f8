// File: text/internal/tld.cc
// TLD lookup table built once from the generated twitter-text TLD labels,
// each folded as JavaScript's case-insensitive matching compares characters.
#include "text/internal/tld.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "text/internal/unicode.h"
#include "text/internal/utf8.h"

namespace starling::text::internal {
namespace {

constexpr const char* kTwitterTextTlds[] = {
#include "tld_table.inc"
};

struct TldTable {
  std::vector<std::string> storage;
  std::unordered_set<std::string_view> set;
  std::size_t max_cps = 0;

  TldTable() {
    storage.reserve(std::size(kTwitterTextTlds));
    for (const char* label : kTwitterTextTlds) {
      std::string folded;
      std::size_t cps = 0;
      std::string_view v(label);
      for (std::size_t i = 0; i < v.size();) {
        std::size_t len = 1;
        const char32_t c = DecodeUtf8(v.data() + i, v.size() - i, &len);
        AppendUtf8(JsCanonicalize(c), &folded);
        i += len;
        ++cps;
      }
      max_cps = std::max(max_cps, cps);
      storage.push_back(std::move(folded));
    }
    for (const std::string& s : storage) set.insert(s);
  }
};

const TldTable& Table() {
  static const TldTable* table = new TldTable();  // never destroyed: used at exit too
  return *table;
}

}  // namespace

bool IsKnownTld(std::string_view folded_label) { return Table().set.count(folded_label) != 0; }
std::size_t MaxTldCodePoints() { return Table().max_cps; }
std::size_t TldCount() { return Table().set.size(); }

}  // namespace starling::text::internal
