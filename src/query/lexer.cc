// File: query/lexer.cc
#include "query/lexer.h"

#include <cstdint>

namespace starling::query {
namespace {

bool IsIdentStart(unsigned char c) { return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
bool IsIdentChar(unsigned char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// Appends code point cp as UTF-8.
void AppendUtf8(std::uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The length of the UTF-8 sequence starting at s[i], or 0 when it is not valid.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

class Lexer {
 public:
  explicit Lexer(const QueryText& text) : q_(text), s_(text.text()) {}

  Result<std::vector<Token>> Run() {
    while (true) {
      SkipSpaceAndComments();
      if (i_ >= s_.size()) break;
      STARLING_RETURN_IF_ERROR(Next());
    }
    Token end;
    end.kind = Tok::kEnd;
    end.line = line_;
    end.col = col_;
    end.offset = s_.size();
    out_.push_back(std::move(end));
    return std::move(out_);
  }

 private:
  void Advance(std::size_t bytes) {
    // Columns count code points: only lead bytes move the column.
    for (std::size_t k = 0; k < bytes && i_ < s_.size(); ++k, ++i_) {
      if (s_[i_] == '\n') {
        ++line_;
        col_ = 1;
      } else if ((static_cast<unsigned char>(s_[i_]) & 0xC0) != 0x80) {
        ++col_;
      }
    }
  }

  void SkipSpaceAndComments() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') Advance(1);
      } else if (c == '\n') {
        if (depth_ == 0) return;  // a token of its own
        Advance(1);
      } else if (c == ' ' || c == '\t' || c == '\r') {
        Advance(1);
      } else {
        return;
      }
    }
  }

  Token Start(Tok kind) const {
    Token t;
    t.kind = kind;
    t.line = line_;
    t.col = col_;
    t.offset = i_;
    return t;
  }

  void Push(Token t) {
    t.length = i_ - t.offset;
    out_.push_back(std::move(t));
  }

  Status Next() {
    const auto c = static_cast<unsigned char>(s_[i_]);
    if (c == '\n') {
      Token t = Start(Tok::kNewline);
      Advance(1);
      Push(std::move(t));
      return Status::Ok();
    }
    if (IsIdentStart(c)) {
      Token t = Start(Tok::kIdent);
      std::size_t j = i_;
      while (j < s_.size() && IsIdentChar(static_cast<unsigned char>(s_[j]))) ++j;
      t.text = std::string(s_.substr(i_, j - i_));
      Advance(j - i_);
      Push(std::move(t));
      return Status::Ok();
    }
    if (IsDigit(c)) return Number();
    if (c == '\'' || c == '"') return String(static_cast<char>(c));
    if (c == '@') return Timestamp();
    return Punctuation();
  }

  Status Number() {
    Token t = Start(Tok::kInt);
    std::size_t j = i_;
    auto digits = [&] {
      while (j < s_.size() && (IsDigit(static_cast<unsigned char>(s_[j])) || s_[j] == '_')) {
        if (s_[j] != '_') t.text.push_back(s_[j]);
        ++j;
      }
    };
    digits();
    // "1..5" is a range, not the float "1.".
    if (j + 1 < s_.size() && s_[j] == '.' && IsDigit(static_cast<unsigned char>(s_[j + 1]))) {
      t.kind = Tok::kFloat;
      t.text.push_back('.');
      ++j;
      digits();
    }
    if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
      std::size_t k = j + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < s_.size() && IsDigit(static_cast<unsigned char>(s_[k]))) {
        t.kind = Tok::kFloat;
        t.text.append(s_.substr(j, k - j));
        j = k;
        digits();
      }
    }
    if (j < s_.size() && IsIdentStart(static_cast<unsigned char>(s_[j]))) {
      return q_.ErrorAt(t, "a number runs into a name; put a space between them");
    }
    Advance(j - i_);
    Push(std::move(t));
    return Status::Ok();
  }

  Status String(char quote) {
    Token t = Start(Tok::kString);
    Advance(1);
    while (true) {
      if (i_ >= s_.size() || s_[i_] == '\n') {
        return q_.ErrorAt(t, "this string has no closing " + std::string(1, quote));
      }
      const char c = s_[i_];
      if (c == quote) {
        Advance(1);
        break;
      }
      if (c == '\\') {
        STARLING_RETURN_IF_ERROR(Escape(&t.text));
        continue;
      }
      const std::size_t n = Utf8Length(s_, i_);
      if (n == 0) return q_.Error(line_, col_, "invalid UTF-8 in a string");
      t.text.append(s_.substr(i_, n));
      Advance(n);
    }
    Push(std::move(t));
    return Status::Ok();
  }

  Status Escape(std::string* out) {
    const int line = line_, col = col_;
    if (i_ + 1 >= s_.size()) return q_.Error(line, col, "a string ends in a lone backslash");
    const char e = s_[i_ + 1];
    switch (e) {
      case 'n':
        out->push_back('\n');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case '\\':
      case '\'':
      case '"':
        out->push_back(e);
        break;
      case 'u': {
        // \u{1F600}: one code point, 1 to 6 hex digits.
        std::size_t j = i_ + 2;
        if (j >= s_.size() || s_[j] != '{') {
          return q_.Error(line, col, "write a code point as \\u{HEX}");
        }
        ++j;
        std::uint32_t cp = 0;
        std::size_t n = 0;
        while (j < s_.size() && s_[j] != '}' && n < 7) {
          const char h = s_[j];
          int v = -1;
          if (h >= '0' && h <= '9') v = h - '0';
          if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f') v = (h | 0x20) - 'a' + 10;
          if (v < 0) return q_.Error(line, col, "\\u{...} takes hexadecimal digits");
          cp = cp * 16 + static_cast<std::uint32_t>(v);
          ++j;
          ++n;
        }
        if (j >= s_.size() || s_[j] != '}' || n == 0 || n > 6) {
          return q_.Error(line, col, "write a code point as \\u{HEX}, 1 to 6 digits");
        }
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return q_.Error(line, col, "\\u{...} must be a code point other than 0 and a surrogate");
        }
        AppendUtf8(cp, out);
        Advance(j + 1 - i_);
        return Status::Ok();
      }
      default:
        return q_.Error(
            line, col,
            std::string("unknown escape \\") + e + " (known: \\n \\t \\r \\\\ \\' \\\" \\u{HEX})");
    }
    Advance(2);
    return Status::Ok();
  }

  Status Timestamp() {
    Token t = Start(Tok::kTimestamp);
    std::size_t j = i_ + 1;
    while (j < s_.size()) {
      const char c = s_[j];
      if (IsIdentChar(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '.' ||
          c == '+') {
        ++j;
      } else {
        break;
      }
    }
    t.text = std::string(s_.substr(i_ + 1, j - i_ - 1));
    if (t.text.empty()) return q_.ErrorAt(t, "'@' starts a timestamp: @2021-04-01T15:52:31Z");
    Advance(j - i_);
    Push(std::move(t));
    return Status::Ok();
  }

  Status Punctuation() {
    struct Op {
      std::string_view text;
      Tok kind;
    };
    // Longest first.
    static constexpr Op kOps[] = {
        {"==", Tok::kEq},     {"!=", Tok::kNe},       {"<=", Tok::kLe},      {">=", Tok::kGe},
        {"//", Tok::kDSlash}, {"??", Tok::kCoalesce}, {"&&", Tok::kAnd},     {"||", Tok::kOr},
        {"..", Tok::kRange},  {"|", Tok::kPipe},      {"{", Tok::kLBrace},   {"}", Tok::kRBrace},
        {"(", Tok::kLParen},  {")", Tok::kRParen},    {"[", Tok::kLBracket}, {"]", Tok::kRBracket},
        {",", Tok::kComma},   {".", Tok::kDot},       {":", Tok::kColon},    {"=", Tok::kAssign},
        {"<", Tok::kLt},      {">", Tok::kGt},        {"+", Tok::kPlus},     {"-", Tok::kMinus},
        {"*", Tok::kStar},    {"/", Tok::kSlash},     {"%", Tok::kPercent},  {"!", Tok::kNot},
    };
    for (const Op& op : kOps) {
      if (s_.substr(i_, op.text.size()) != op.text) continue;
      Token t = Start(op.kind);
      if (op.kind == Tok::kLBrace || op.kind == Tok::kLParen || op.kind == Tok::kLBracket) {
        ++depth_;
      } else if (op.kind == Tok::kRBrace || op.kind == Tok::kRParen || op.kind == Tok::kRBracket) {
        if (depth_ > 0) --depth_;
      }
      Advance(op.text.size());
      Push(std::move(t));
      return Status::Ok();
    }
    const std::size_t n = Utf8Length(s_, i_);
    if (n == 0) return q_.Error(line_, col_, "invalid UTF-8");
    return q_.Error(line_, col_,
                    "'" + std::string(s_.substr(i_, n)) + "' starts nothing a query has");
  }

  const QueryText& q_;
  std::string_view s_;
  std::size_t i_ = 0;
  int line_ = 1;
  int col_ = 1;
  int depth_ = 0;
  std::vector<Token> out_;
};

}  // namespace

std::string_view TokName(Tok t) {
  switch (t) {
    case Tok::kIdent:
      return "a name";
    case Tok::kInt:
      return "an integer";
    case Tok::kFloat:
      return "a number";
    case Tok::kString:
      return "a string";
    case Tok::kTimestamp:
      return "a timestamp";
    case Tok::kNewline:
      return "the end of the line";
    case Tok::kPipe:
      return "'|'";
    case Tok::kLBrace:
      return "'{'";
    case Tok::kRBrace:
      return "'}'";
    case Tok::kLParen:
      return "'('";
    case Tok::kRParen:
      return "')'";
    case Tok::kLBracket:
      return "'['";
    case Tok::kRBracket:
      return "']'";
    case Tok::kComma:
      return "','";
    case Tok::kDot:
      return "'.'";
    case Tok::kColon:
      return "':'";
    case Tok::kAssign:
      return "'='";
    case Tok::kEq:
      return "'=='";
    case Tok::kNe:
      return "'!='";
    case Tok::kLt:
      return "'<'";
    case Tok::kLe:
      return "'<='";
    case Tok::kGt:
      return "'>'";
    case Tok::kGe:
      return "'>='";
    case Tok::kPlus:
      return "'+'";
    case Tok::kMinus:
      return "'-'";
    case Tok::kStar:
      return "'*'";
    case Tok::kSlash:
      return "'/'";
    case Tok::kDSlash:
      return "'//'";
    case Tok::kPercent:
      return "'%'";
    case Tok::kCoalesce:
      return "'?\?'";
    case Tok::kAnd:
      return "'&&'";
    case Tok::kOr:
      return "'||'";
    case Tok::kNot:
      return "'!'";
    case Tok::kRange:
      return "'..'";
    case Tok::kEnd:
      return "the end of the query";
  }
  return "?";
}

Status QueryText::Error(int line, int col, std::string_view message) const {
  // The line the error is on, then a caret under its column (code points;
  // tabs kept so the caret lines up in a terminal).
  std::string_view rest = text_;
  for (int l = 1; l < line; ++l) {
    const std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      rest = {};
      break;
    }
    rest.remove_prefix(nl + 1);
  }
  std::string_view src_line = rest.substr(0, rest.find('\n'));
  if (!src_line.empty() && src_line.back() == '\r') src_line.remove_suffix(1);
  std::string caret;
  int c = 1;
  for (std::size_t i = 0; i < src_line.size() && c < col; ++i) {
    const auto b = static_cast<unsigned char>(src_line[i]);
    if ((b & 0xC0) == 0x80) continue;
    caret.push_back(b == '\t' ? '\t' : ' ');
    ++c;
  }
  while (c++ < col) caret.push_back(' ');
  return InvalidArgument("query:" + std::to_string(line) + ":" + std::to_string(col) + ": " +
                         std::string(message) + "\n  " + std::string(src_line) + "\n  " + caret +
                         "^");
}

Result<std::vector<Token>> Lex(const QueryText& text) { return Lexer(text).Run(); }

}  // namespace starling::query
