// File: query/lexer.h
// The tokens of a query (docs/query.md), each with the line and column it
// starts at, so that every error can point at the text it is about. Also
// the one shape of a query error: "query:LINE:COL: message", then the line
// and a caret under the column (QueryError).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace starling::query {

enum class Tok : std::uint8_t {
  kIdent,      // from, posts, text (a dotted name is several tokens)
  kInt,        // 42, 1_000 (text holds the digits; the value is read by the parser)
  kFloat,      // 1.5, 2e3
  kString,     // 'a' or "a", escapes decoded into `text`
  kTimestamp,  // @2021-04-01T15:52:31Z (text: what follows '@')
  kNewline,    // a line break outside brackets: ends a transform
  kPipe,       // |
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kColon,
  kAssign,    // =
  kEq,        // ==
  kNe,        // !=
  kLt,        // <
  kLe,        // <=
  kGt,        // >
  kGe,        // >=
  kPlus,      // +
  kMinus,     // -
  kStar,      // *
  kSlash,     // /
  kDSlash,    // //
  kPercent,   // %
  kCoalesce,  // ??
  kAnd,       // &&
  kOr,        // ||
  kNot,       // !
  kRange,     // ..
  kEnd,       // end of the query
};

// How a token kind reads in messages: "'{'", "a name", "the end of the query".
std::string_view TokName(Tok t);

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;        // the name, digits, or decoded string
  int line = 1;            // 1-based
  int col = 1;             // 1-based, in code points
  std::size_t offset = 0;  // byte offset of the token's first byte
  std::size_t length = 0;  // bytes of the token's source text
};

// The query's text, for messages that quote a line of it.
class QueryText {
 public:
  explicit QueryText(std::string text) : text_(std::move(text)) {}
  const std::string& text() const { return text_; }
  // InvalidArgument("query:LINE:COL: message\n  <the line>\n  <caret>").
  Status Error(int line, int col, std::string_view message) const;
  Status ErrorAt(const Token& t, std::string_view message) const {
    return Error(t.line, t.col, message);
  }

 private:
  std::string text_;
};

// The query's tokens, ending with one kEnd. Line breaks inside (), {} and []
// are not tokens (a tuple may span lines); comments (# to the end of the
// line) are dropped. InvalidArgument (QueryText::Error) for a character that
// starts no token, an unterminated string, a bad escape, invalid UTF-8.
Result<std::vector<Token>> Lex(const QueryText& text);

}  // namespace starling::query
