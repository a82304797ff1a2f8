// File: text/html.cc
#include "text/html.h"

#include <cstdint>

namespace starling::text {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || (c >= '0' && c <= '9'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

void AppendUtf8(std::uint32_t cp, std::string* out) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
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

struct NamedReference {
  std::string_view name;
  std::uint32_t cp;
};

// The references Mastodon and the servers it federates with use in practice.
constexpr NamedReference kNamed[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},
    {"nbsp", 0xA0},    {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}, {"lsquo", 0x2018},
    {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"copy", 0xA9},     {"reg", 0xAE},
    {"trade", 0x2122}, {"laquo", 0xAB},   {"raquo", 0xBB},   {"middot", 0xB7},   {"bull", 0x2022},
    {"shy", 0xAD},     {"zwj", 0x200D},   {"zwnj", 0x200C},  {"euro", 0x20AC},
};

// Decodes the reference starting at html[i] == '&'. Returns the number of
// bytes consumed (0: not a reference, the '&' is text).
std::size_t DecodeReference(std::string_view html, std::size_t i, std::string* out) {
  std::size_t j = i + 1;
  if (j < html.size() && html[j] == '#') {
    ++j;
    bool hex = false;
    if (j < html.size() && (html[j] == 'x' || html[j] == 'X')) {
      hex = true;
      ++j;
    }
    const std::size_t digits_start = j;
    std::uint32_t cp = 0;
    bool overflow = false;
    for (; j < html.size(); ++j) {
      const char c = html[j];
      std::uint32_t d;
      if (c >= '0' && c <= '9') {
        d = static_cast<std::uint32_t>(c - '0');
      } else if (hex && Lower(c) >= 'a' && Lower(c) <= 'f') {
        d = static_cast<std::uint32_t>(Lower(c) - 'a' + 10);
      } else {
        break;
      }
      if (cp > 0x10FFFF) {
        overflow = true;
      } else {
        cp = cp * (hex ? 16 : 10) + d;
      }
    }
    if (j == digits_start) return 0;
    if (j < html.size() && html[j] == ';') ++j;
    AppendUtf8(overflow ? 0xFFFD : cp, out);
    return j - i;
  }
  while (j < html.size() && j - i <= 8 && IsAsciiAlnum(html[j])) ++j;
  if (j >= html.size() || html[j] != ';') return 0;
  const std::string_view name = html.substr(i + 1, j - i - 1);
  for (const NamedReference& r : kNamed) {
    if (r.name == name) {
      AppendUtf8(r.cp, out);
      return j + 1 - i;
    }
  }
  return 0;
}

// The tag name of "<name ...>" / "</name ...>", lower-cased (ASCII).
std::string TagName(std::string_view tag) {
  std::size_t k = 1;
  if (k < tag.size() && tag[k] == '/') ++k;
  std::string name;
  while (k < tag.size() && IsAsciiAlnum(tag[k])) name.push_back(Lower(tag[k++]));
  return name;
}

// The end of the tag opening at html[i] == '<' (the index after its '>'),
// skipping quoted attribute values; npos when it never closes.
std::size_t TagEnd(std::string_view html, std::size_t i) {
  char quote = 0;
  for (std::size_t j = i + 1; j < html.size(); ++j) {
    const char c = html[j];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return j + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

void AppendHtmlText(std::string_view html, std::string* out) {
  const std::size_t out_start = out->size();
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      const std::size_t n = DecodeReference(html, i, out);
      if (n == 0) {
        out->push_back('&');
        ++i;
      } else {
        i += n;
      }
      continue;
    }
    if (c != '<' || i + 1 >= html.size() ||
        !(IsAsciiAlpha(html[i + 1]) || html[i + 1] == '/' || html[i + 1] == '!' ||
          html[i + 1] == '?')) {
      out->push_back(c);
      ++i;
      continue;
    }
    const std::size_t end = TagEnd(html, i);
    if (end == std::string_view::npos) {  // never closed: the rest is text
      out->append(html.substr(i));
      break;
    }
    const std::string_view tag = html.substr(i, end - i);
    const bool closing = tag.size() > 1 && tag[1] == '/';
    const std::string name = TagName(tag);
    i = end;
    if (name == "br") {
      out->push_back('\n');
    } else if (name == "p" && !closing) {
      if (out->size() > out_start) out->append("\n\n");
    } else if ((name == "script" || name == "style") && !closing) {
      // Skip to the matching close tag (or the end).
      const std::string close = "</" + name;
      std::size_t k = i;
      for (;;) {
        k = html.find("</", k);
        if (k == std::string_view::npos) break;
        std::string got = TagName(html.substr(k, close.size() + 1));
        if (got == name) break;
        k += 2;
      }
      if (k == std::string_view::npos) {
        i = html.size();
      } else {
        const std::size_t e = TagEnd(html, k);
        i = e == std::string_view::npos ? html.size() : e;
      }
    }
  }
}

}  // namespace starling::text
