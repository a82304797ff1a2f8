// Fuzz target: the spec grammar. Parsing never crashes; a parsed URL
// password or secret parameter value never appears in the redacted form.
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
  for (const auto& p : s->params) {
    if (starling::spec::IsSecretName(p.key) && shown.find(p.key + "=***") == std::string::npos) {
      __builtin_trap();
    }
  }
  return 0;
}
