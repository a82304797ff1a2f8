// The peer of `starling normalize` in bench/compare.sh: a minimal simdjson
// On-Demand loop over a JSONL file of X v2 stream lines that reads the same
// fields Starling normalizes (ids, text, time, author join data, lang,
// entities, references, metrics, rules) and sums their sizes, nothing more.
// Usage: simdjson_peer FILE.jsonl
#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace od = simdjson::ondemand;

namespace {

std::size_t total = 0;

void Str(od::value v) {
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) total += s.size();
}

void Entities(od::object e) {
  for (auto f : e) {
    std::string_view k = f.unescaped_key();
    for (od::object item : f.value().get_array()) {
      for (auto g : item) {
        std::string_view k2 = g.unescaped_key();
        if (k2 == "start" || k2 == "end")
          total += static_cast<std::size_t>(int64_t(g.value()));
        else if (k2 == "tag" || k2 == "username" || k2 == "url" || k2 == "expanded_url" ||
                 k2 == "display_url" || (k2 == "id" && k == "mentions"))
          Str(g.value());
      }
    }
  }
}

void Tweet(od::object t) {
  for (auto f : t) {
    std::string_view k = f.unescaped_key();
    if (k == "id" || k == "text" || k == "created_at" || k == "author_id" || k == "lang") {
      Str(f.value());
    } else if (k == "entities") {
      Entities(f.value().get_object());
    } else if (k == "referenced_tweets") {
      for (od::object r : f.value().get_array()) {
        for (auto g : r) Str(g.value());
      }
    } else if (k == "public_metrics") {
      for (auto g : f.value().get_object()) total += static_cast<std::size_t>(int64_t(g.value()));
    } else if (k == "geo") {
      for (auto g : f.value().get_object()) {
        if (std::string_view(g.unescaped_key()) == "place_id") Str(g.value());
      }
    }
  }
}

void Document(od::document& doc, std::size_t* n) {
  od::object obj;
  if (doc.get_object().get(obj)) return;
  for (auto f : obj) {
    std::string_view k = f.unescaped_key();
    if (k == "data") {
      Tweet(f.value().get_object());
      ++*n;
    } else if (k == "includes") {
      for (auto g : f.value().get_object()) {
        if (std::string_view(g.unescaped_key()) != "users") continue;
        for (od::object u : g.value().get_array()) {
          for (auto h : u) {
            std::string_view k3 = h.unescaped_key();
            if (k3 == "id" || k3 == "username" || k3 == "name") Str(h.value());
          }
        }
      }
    } else if (k == "matching_rules") {
      for (od::object r : f.value().get_array()) {
        for (auto g : r) total += std::string_view(g.value().raw_json_token()).size();
      }
    }
  }
}

}  // namespace

// Streams the file in 4 MiB chunks and parses each line in place (the chunk
// buffer carries simdjson's padding), which is the fastest simple way to read
// JSONL with On-Demand: per-line parsing stays in cache.
int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: simdjson_peer FILE.jsonl\n");
    return 2;
  }
  std::FILE* f = std::fopen(argv[1], "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  constexpr std::size_t kChunk = 4 << 20;
  std::vector<char> buf(kChunk + simdjson::SIMDJSON_PADDING);
  std::size_t have = 0, n = 0;
  od::parser parser;
  for (;;) {
    std::size_t got = std::fread(buf.data() + have, 1, kChunk - have, f);
    have += got;
    if (have == 0) break;
    std::size_t start = 0;
    for (;;) {
      const char* nl =
          static_cast<const char*>(std::memchr(buf.data() + start, '\n', have - start));
      if (nl == nullptr && got != 0) break;
      std::size_t end = nl == nullptr ? have : static_cast<std::size_t>(nl - buf.data());
      if (end > start) {
        od::document doc;
        if (!parser.iterate(buf.data() + start, end - start, buf.size() - start).get(doc)) {
          Document(doc, &n);
        }
      }
      if (nl == nullptr) {
        start = have;
        break;
      }
      start = end + 1;
    }
    std::memmove(buf.data(), buf.data() + start, have - start);
    have -= start;
    if (got == 0 && have == 0) break;
    if (have == kChunk) {
      std::fprintf(stderr, "line longer than 4 MiB\n");
      return 1;
    }
  }
  std::fclose(f);
  std::printf("%zu tweets, %zu bytes of fields\n", n, total);
  return 0;
}
