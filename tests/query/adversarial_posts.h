// File: tests/query/adversarial_posts.h
// Posts made to trip executors up: NULLs in every nullable column, ties,
// case variants ('Straße', 'STRASSE', 'İ', 'ı'), emoji, right-to-left
// scripts, combining marks, very long text, tabs and quotes, timestamps
// around DST changes and before 1970, integer extremes. Deterministic.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "model/post.h"

namespace starling::query::testing {

inline std::vector<model::Post> AdversarialPosts() {
  using namespace model;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  const std::vector<std::string> handles = {"anna",
                                            "Anna",
                                            "ANNA",
                                            "stra\xC3\x9F"
                                            "e",
                                            "STRASSE",
                                            "\xC4\xB0lker",
                                            "\xC4\xB1l\xC4\xB1k",
                                            "\xF0\x9F\x98\x80"
                                            "fan",
                                            "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
                                            "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D",
                                            "e\xCC\x81",
                                            "",
                                            "b",
                                            "B",
                                            "a b"};
  const std::vector<std::string> texts = {
      "Hello #Rust world",
      "hello #rust WORLD",
      "Stra\xC3\x9F"
      "e and STRASSE",
      "\xC4\xB0stanbul \xC4\xB1\xC4\xB1 I i",
      "emoji \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",
      "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 RTL \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D",
      "tab\there \"quotes\", commas, back\\slash",
      "line one\nline two",
      "",
      "x",
      "X",
      "caf\xC3\xA9 cafe\xCC\x81",
      std::string(5000, 'z') + " long",
      "RT @someone: retweeted",
  };
  const std::vector<std::string> langs = {"en", "EN", "de", "", "ar", "he", "und", "tr"};
  const std::vector<std::int64_t> times = {
      1616893199999999,  // 2021-03-28T00:59:59.999999Z, the second before EU summer time
      1616893200000000,  // 2021-03-28T01:00:00Z
      1635641999000000,  // 2021-10-31T00:59:59Z
      1635642000000000,  // 2021-10-31T01:00:00Z
      1615705200000000,  // 2021-03-14T07:00:00Z (US)
      -1,                // 1969-12-31T23:59:59.999999Z
      0,
      -2208988800000000,  // 1900-01-01
      4102444800000000,   // 2100-01-01
      1616893200000000,   // a tie
      1617292351123456,
  };
  const std::vector<std::optional<std::int64_t>> likes = {
      std::nullopt, 0, 1, 5, 5, -3, 1000000, std::int64_t{1} << 40, 7};
  // INT64_MIN once: a sum of quote_count fits, and no partial sum overflows.
  const std::vector<std::optional<std::int64_t>> quotes = {std::nullopt, 0, 3, 7, 3};
  const std::vector<std::optional<std::int64_t>> impressions = {std::nullopt, 1, kMax, 0,
                                                                kMax - 1,     1};
  const std::vector<std::optional<double>> lons = {std::nullopt, 0.1, -122.4194, 1e-300,
                                                   1e300,        2.5, 0.1,       13.4};
  const std::vector<std::vector<std::string>> tags = {{"Rust"},
                                                      {"rust", "RUST"},
                                                      {},
                                                      {"Stra\xC3\x9F"
                                                       "e",
                                                       "STRASSE"},
                                                      {"\xC4\xB0stanbul"},
                                                      {"\xF0\x9F\x98\x80"},
                                                      {"a", "A", "b"},
                                                      {"Rust"},
                                                      {}};

  std::vector<Post> posts;
  for (int i = 0; i < 48; ++i) {
    Post p;
    p.id = i % 7 == 3 ? "\xC3\xA9-" + std::to_string(i) : std::to_string(1000 + i * 37 % 101);
    p.provider = i % 11 == 5 ? Provider::kMastodon : Provider::kX;
    p.created_at = times[static_cast<std::size_t>(i) % times.size()];
    p.author.id = std::to_string(i % 9);
    p.author.handle = handles[static_cast<std::size_t>(i) % handles.size()];
    p.author.name = handles[static_cast<std::size_t>(i * 5) % handles.size()] + " Name";
    p.text = texts[static_cast<std::size_t>(i) % texts.size()];
    p.lang = langs[static_cast<std::size_t>(i * 3) % langs.size()];
    switch (i % 4) {
      case 1:
        p.kind = PostKind::kReply;
        p.references = {{ReferenceType::kRepliedTo, std::to_string(1000 + i % 5)}};
        break;
      case 2:
        p.kind = PostKind::kQuote;
        p.references = {{ReferenceType::kQuoted, "q" + std::to_string(i % 3)}};
        break;
      default:
        p.kind = PostKind::kPost;
        break;
    }
    p.metrics.likes = likes[static_cast<std::size_t>(i) % likes.size()];
    p.metrics.replies = i % 3 == 0 ? std::nullopt : std::optional<std::int64_t>(i % 4);
    p.metrics.reposts = i % 5 == 0 ? std::nullopt : std::optional<std::int64_t>(i * 13 % 7);
    p.metrics.quotes = i == 10 ? kMin : quotes[static_cast<std::size_t>(i) % quotes.size()];
    p.metrics.impressions = impressions[static_cast<std::size_t>(i) % impressions.size()];
    p.geo.lon = lons[static_cast<std::size_t>(i) % lons.size()];
    if (p.geo.lon) p.geo.lat = -*p.geo.lon / 3;
    p.geo.country_code = i % 4 == 0 ? "" : (i % 4 == 1 ? "DE" : "de");
    p.geo.place_id = i % 6 == 0 ? "place" + std::to_string(i % 4) : "";
    p.source_format = "x-v2";
    p.entities_extracted = i % 2 == 0;
    for (const std::string& t : tags[static_cast<std::size_t>(i) % tags.size()]) {
      Hashtag h;
      h.tag = t;
      if (i % 3 != 0)
        h.range = {static_cast<std::int32_t>(i % 5), static_cast<std::int32_t>(i % 5 + 4)};
      p.hashtags.push_back(h);
    }
    if (i % 5 == 1) p.mentions = {{handles[static_cast<std::size_t>(i) % handles.size()], "", {}}};
    if (i % 5 == 2) p.mentions = {{"Anna", "77", {1, 6}}, {"anna", "", {}}};
    posts.push_back(std::move(p));
  }
  return posts;
}

}  // namespace starling::query::testing
