// Fuzz target: the spec grammar. Parsing and redaction never crash, agree
// with each other, and never show a URL password or a secret parameter
// next to its key.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string shown = starling::spec::Redact(text);
  auto s = starling::spec::Parse(text);
  if (!s.ok()) return 0;
  if (s->redacted != shown) __builtin_trap();
  // A URL's password is always replaced.
  if (s->password.has_value() && shown.find(":***@") == std::string::npos) __builtin_trap();
  // A simple secret parameter (a plain key and value) shows as KEY=***.
  for (const auto& p : s->params) {
    const bool plain = p.key.find_first_of("?&=@:/%") == std::string::npos &&
                       p.value.find_first_of("?&=@:/%+") == std::string::npos &&
                       p.value.size() >= 8;
    if (plain && starling::spec::IsSecretName(p.key) &&
        shown.find(p.key + "=" + p.value) != std::string::npos) {
      __builtin_trap();
    }
  }
  return 0;
}
