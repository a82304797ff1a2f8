// File: common/status.cc
#include "common/status.h"

#include <cstdio>
#include <cstdlib>

namespace starling {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kMalformedInput:
      return "malformed input";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kIoError:
      return "i/o error";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kUnsupported:
      return "unsupported";
    case StatusCode::kResourceExhausted:
      return "resource exhausted";
    case StatusCode::kTryAgain:
      return "try again";
    case StatusCode::kOutputClosed:
      return "output closed";
    case StatusCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

void DieInvalid(std::string_view what, const Status& st) {
  const std::string& m = st.message();
  // Messages that already name the type ("HyperLogLog: ...") are not prefixed twice.
  const bool named =
      m.size() > what.size() && m.compare(0, what.size(), what) == 0 && m[what.size()] == ':';
  std::fprintf(stderr, "starling: bug: %s%s%s\n", named ? "" : std::string(what).c_str(),
               named ? "" : ": ", m.c_str());
  std::abort();
}

}  // namespace starling
