// Fuzz target: the spec grammar. Parsing and redaction never crash, agree
// with each other, and never show a URL password or a secret parameter
// next to its key.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/spec.h"

namespace {
std::size_t Count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string_view::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string shown = starling::spec::Redact(text);
  auto s = starling::spec::Parse(text);
  if (!s.ok()) return 0;
  if (s->redacted != shown) __builtin_trap();
  // A URL's password is always replaced.
  if (s->password.has_value() && shown.find(":***@") == std::string::npos) __builtin_trap();
  // A simple secret parameter (a plain key and value) shows as KEY=***:
  // hiding it removes at least its own KEY=VALUE, and "***" cannot make a
  // new one (a plain value holds no '=', ':' or '@'). The same characters
  // may stay elsewhere: in a path ("a_token=secret99?token=secret99") or in
  // another, non-secret parameter's value ("?note=token=secret99&token=secret99").
  // Only where nothing is %-encoded ('%', '+' as a space): then each
  // parameter's own KEY=VALUE stands in the text as it was parsed.
  const std::size_t query = text.find('?');
  if (query == std::string_view::npos ||
      text.substr(query).find_first_of("%+") != std::string_view::npos) {
    return 0;
  }
  for (const auto& p : s->params) {
    const bool plain = p.key.find_first_of("?&=@:/%") == std::string::npos &&
                       p.value.find_first_of("?&=@:/%+") == std::string::npos &&
                       p.value.size() >= 8;
    if (plain && starling::spec::IsSecretName(p.key) &&
        Count(shown, p.key + "=" + p.value) >= Count(text, p.key + "=" + p.value)) {
      __builtin_trap();
    }
  }
  return 0;
}
