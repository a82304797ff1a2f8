// File: text/html.h
// HTML to plain text, for providers that send post bodies as HTML (Mastodon's
// `content`). Pure function over UTF-8; never fails.
#pragma once

#include <string>
#include <string_view>

namespace starling::text {

// Appends the text of an HTML fragment to *out:
//  - tags are removed, their text kept (links keep their whole text,
//    including Mastodon's <span class="invisible"> parts, so URLs are whole);
//  - <br> (any form) becomes "\n"; a paragraph (<p>) that follows content
//    starts with "\n\n" (so "</p><p>" is a paragraph break, and the first
//    <p> adds nothing);
//  - character references are decoded: the common named ones (&amp; &lt;
//    &gt; &quot; &apos; &nbsp; and a few typographic ones) and numeric ones
//    (&#39; &#x1F600;). A numeric reference to no character (0, a surrogate,
//    above U+10FFFF) becomes U+FFFD; an unknown name is kept as written;
//  - the contents of <script> and <style> are dropped;
//  - anything that is not a tag ('<' not followed by a letter, '/', '!' or
//    '?', or a tag never closed by '>') is kept as text.
// Whitespace is kept as it is (Mastodon sends none between tags).
void AppendHtmlText(std::string_view html, std::string* out);

inline std::string HtmlToText(std::string_view html) {
  std::string out;
  AppendHtmlText(html, &out);
  return out;
}

}  // namespace starling::text
