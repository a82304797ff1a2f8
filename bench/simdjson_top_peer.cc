// The peer of `starling top --by hashtag` in bench/top_compare.sh: a minimal
// simdjson On-Demand loop over a JSONL file of X v2 stream lines that takes
// data.entities.hashtags[].tag of each line, lower-cases it (ASCII: on the
// benchmark corpus no tag changes under full Unicode lower-casing; the script
// checks that all tools agree), counts each distinct tag of a post once (as
// Starling does), and prints the top 10 as `tag<TAB>count`, by count
// descending, then tag (bytes) ascending.
// Usage: simdjson_top_peer FILE.jsonl [K]
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace od = simdjson::ondemand;

namespace {

std::unordered_map<std::string, std::uint64_t> counts;
std::vector<std::string> seen;  // the lower-cased tags of the current post

void CountTags(od::document& doc) {
  od::array tags;
  if (doc["data"]["entities"]["hashtags"].get_array().get(tags) != simdjson::SUCCESS) return;
  std::size_t used = 0;
  for (auto h : tags) {
    std::string_view tag;
    if (h["tag"].get_string().get(tag) != simdjson::SUCCESS) continue;
    if (used == seen.size()) seen.emplace_back();
    std::string& lower = seen[used];
    lower.assign(tag);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    bool dup = false;
    for (std::size_t i = 0; i < used && !dup; ++i) dup = seen[i] == lower;
    if (dup) continue;
    ++used;
    ++counts[lower];
  }
}

}  // namespace

// Streams the file in 4 MiB chunks and parses each line in place (the chunk
// buffer carries simdjson's padding), as bench/simdjson_peer.cc does.
int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: simdjson_top_peer FILE.jsonl [K]\n");
    return 2;
  }
  const std::size_t k = argc == 3 ? std::strtoul(argv[2], nullptr, 10) : 10;
  std::FILE* f = std::fopen(argv[1], "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  constexpr std::size_t kChunk = 4 << 20;
  std::vector<char> buf(kChunk + simdjson::SIMDJSON_PADDING);
  std::size_t have = 0;
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
          CountTags(doc);
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
  std::vector<std::pair<std::string_view, std::uint64_t>> rows(counts.begin(), counts.end());
  const auto order = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  const std::size_t n = std::min(k, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n), rows.end(), order);
  for (std::size_t i = 0; i < n; ++i) {
    std::printf("%.*s\t%llu\n", static_cast<int>(rows[i].first.size()), rows[i].first.data(),
                static_cast<unsigned long long>(rows[i].second));
  }
  return 0;
}
