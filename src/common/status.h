// File: common/status.h
// The one error vocabulary of Starling: Status for operations that return
// nothing, Result<T> for operations that return a value. Expected failures
// (bad input, missing file, refused connection) travel as values; exceptions
// are reserved for start-up configuration errors the program cannot go on from.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace starling {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller passed something unusable (bad spec, bad flag)
  kMalformedInput,     // a record could not be parsed; routine, goes to dead letters
  kNotFound,           // a file, table or key does not exist
  kIoError,            // the operating system refused a read or write
  kUnavailable,        // a peer (socket, server) is not reachable now
  kUnsupported,        // recognised but not handled (e.g. a control message)
  kResourceExhausted,  // a limit was hit (line too long, disk full)
  kTryAgain,           // nothing yet (an idle live source); not a failure: call again
  kOutputClosed,       // the reader of an output went away (a broken pipe)
  kInternal,           // a bug: an invariant did not hold
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", for logs and error lines.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status MalformedInput(std::string m) { return {StatusCode::kMalformedInput, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status TryAgain(std::string m) { return {StatusCode::kTryAgain, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status OutputClosed(std::string m) { return {StatusCode::kOutputClosed, std::move(m)}; }

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

// A constructor's precondition that its options are valid (the type's
// Create() returns the Status instead): prints "starling: bug: WHAT: message"
// to stderr and aborts. Never reached from a user's input, which is checked
// (Validate, Create) before anything is built from it.
[[noreturn]] void DieInvalid(std::string_view what, const Status& st);

}  // namespace starling

// Propagates a non-OK Status out of the current function.
#define STARLING_RETURN_IF_ERROR(expr) \
  do {                                 \
    ::starling::Status _st = (expr);   \
    if (!_st.ok()) return _st;         \
  } while (0)

// Evaluates `expr` (a Result<T>); on error returns its Status from the
// current function, else moves the value into `lhs` (a declaration or an
// lvalue): STARLING_ASSIGN_OR_RETURN(auto sink, OpenSink(spec));
#define STARLING_ASSIGN_OR_RETURN(lhs, expr) \
  STARLING_ASSIGN_OR_RETURN_IMPL(STARLING_CONCAT(_starling_r, __LINE__), lhs, expr)
#define STARLING_CONCAT_INNER(a, b) a##b
#define STARLING_CONCAT(a, b) STARLING_CONCAT_INNER(a, b)
#define STARLING_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
