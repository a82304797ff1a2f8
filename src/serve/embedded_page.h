// File: serve/embedded_page.h
// The dashboard page compiled into the binary: every file of web/dist as it
// was when `starling` was built (serve/gen_embedded_page.cmake writes the
// table), so a binary copied or installed anywhere serves the page without
// the source tree. ServerOptions::embedded_page takes it.
#pragma once

#include <span>
#include <string_view>

namespace starling::serve {

// One file of the page; both views point into static storage.
struct PageFile {
  std::string_view path;   // relative to web/dist, '/'-separated: "index.html", "assets/app-X.js"
  std::string_view bytes;  // the file's content, byte for byte
};

// The files of web/dist at build time, sorted by path (hidden names left
// out); empty when the binary was built without web/dist (no npm). Defined
// in the generated library starling_embedded_page, which only the app links.
std::span<const PageFile> EmbeddedPage();

}  // namespace starling::serve
