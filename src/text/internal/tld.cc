// File: text/internal/tld.cc
// TLD lookup table built once from the generated Public Suffix List labels.
#include "text/internal/tld.h"

#include <unicode/uidna.h>

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

namespace starling::text::internal {
namespace {

constexpr const char* kPslTopLevelLabels[] = {
#include "tld_table.inc"
};

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

struct TldTable {
  std::vector<std::string> storage;  // punycode forms derived at start-up
  std::unordered_set<std::string_view> set;
  std::size_t max_cps = 0;

  TldTable() {
    UErrorCode status = U_ZERO_ERROR;
    UIDNA* idna = uidna_openUTS46(UIDNA_DEFAULT, &status);
    std::vector<std::string_view> ascii_forms;
    storage.reserve(std::size(kPslTopLevelLabels));
    for (const char* label : kPslTopLevelLabels) {
      std::string_view v(label);
      Add(v);
      bool ascii = true;
      for (unsigned char c : v) ascii &= c < 0x80;
      if (ascii || idna == nullptr) continue;
      char out[256];
      UIDNAInfo info = UIDNA_INFO_INITIALIZER;
      UErrorCode st = U_ZERO_ERROR;
      int32_t len = uidna_labelToASCII_UTF8(idna, v.data(), static_cast<int32_t>(v.size()), out,
                                            sizeof(out), &info, &st);
      if (U_SUCCESS(st) && info.errors == 0 && len > 0 && len < 256) {
        storage.emplace_back(out, static_cast<std::size_t>(len));
      }
    }
    for (const std::string& s : storage) Add(s);
    if (idna != nullptr) uidna_close(idna);
  }
  void Add(std::string_view v) {
    set.insert(v);
    max_cps = std::max(max_cps, CodePoints(v));
  }
};

const TldTable& Table() {
  static const TldTable* table = new TldTable();  // never destroyed: used at exit too
  return *table;
}

}  // namespace

bool IsKnownTld(std::string_view label) { return Table().set.count(label) != 0; }
std::size_t MaxTldCodePoints() { return Table().max_cps; }
std::size_t TldCount() { return Table().set.size(); }

}  // namespace starling::text::internal
