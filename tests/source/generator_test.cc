// File: source/generator_test.cc
// Tests for the synthetic X v2 firehose (source/generator.h): determinism,
// the shape of every line, entity offsets, rates, distributions and bursts.
#include "source/generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "model/time.h"
#include "source/record_source.h"

namespace starling::source {
namespace {

using model::TimestampUs;

GeneratorOptions Opts(std::uint64_t seed = 7) {
  GeneratorOptions o;
  o.seed = seed;
  return o;
}

// Byte offset of each code point, plus one past the end.
std::vector<std::size_t> CodePointOffsets(std::string_view s) {
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) offsets.push_back(i);
  }
  offsets.push_back(s.size());
  return offsets;
}

bool IsAllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view Str(simdjson::dom::element e) {
  std::string_view v;
  EXPECT_EQ(e.get(v), simdjson::SUCCESS);
  return v;
}

// The tags (without '#') of a line's data.entities.hashtags.
std::vector<std::string> HashtagsOf(simdjson::dom::element data) {
  std::vector<std::string> tags;
  simdjson::dom::array arr;
  if (data["entities"]["hashtags"].get(arr) == simdjson::SUCCESS) {
    for (auto h : arr) tags.emplace_back(Str(h["tag"]));
  }
  return tags;
}

TEST(PostGenerator, SameSeedSameBytesOtherSeedDifferent) {
  GeneratorOptions o = Opts();
  o.burst_every_s = 2;  // include bursts in the comparison
  o.burst_duration_s = 1;
  PostGenerator a(o), b(o);
  o.seed = 8;
  PostGenerator c(o);
  std::string la, lb, lc;
  int differing = 0;
  for (int i = 0; i < 5000; ++i) {
    la.clear();
    lb.clear();
    lc.clear();
    EXPECT_EQ(a.Next(&la), b.Next(&lb));
    c.Next(&lc);
    ASSERT_EQ(la, lb) << "line " << i;
    differing += la != lc;
  }
  EXPECT_GT(differing, 4990);
  EXPECT_EQ(a.sequence(), 5000u);
  ASSERT_EQ(a.bursts().size(), b.bursts().size());
  ASSERT_FALSE(a.bursts().empty());
  EXPECT_EQ(a.bursts()[0].hashtag, b.bursts()[0].hashtag);
}

// Every line is a v2 stream line with the required fields, and every entity's
// offsets (code points) cut out exactly its text, delimited by whitespace.
TEST(PostGenerator, LinesAreValidV2WithExactEntities) {
  GeneratorOptions o = Opts(11);
  o.burst_every_s = 5;
  o.burst_duration_s = 2;
  PostGenerator gen(o);
  simdjson::dom::parser parser;
  std::string line;
  std::string last_id;
  TimestampUs last_t = 0;
  std::map<std::string, int> kinds;
  int astral = 0, zwj = 0, rtl = 0, devanagari = 0, places = 0, newlines = 0;
  for (int i = 0; i < 20000; ++i) {
    line.clear();
    const TimestampUs t = gen.Next(&line);
    ASSERT_EQ(line.find('\n'), std::string::npos);
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    simdjson::dom::element data = doc["data"];

    const std::string_view id = Str(data["id"]);
    ASSERT_EQ(id.size(), 19u) << id;
    ASSERT_TRUE(IsAllDigits(id));
    ASSERT_GT(std::string(id), last_id) << "ids must increase";
    last_id = std::string(id);
    simdjson::dom::array edits;
    ASSERT_EQ(data["edit_history_tweet_ids"].get(edits), simdjson::SUCCESS);
    EXPECT_EQ(Str(edits.at(0)), id);

    const std::string_view created = Str(data["created_at"]);
    ASSERT_EQ(created.size(), 24u) << created;
    auto parsed = model::ParseTimestamp(created);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, t);
    ASSERT_GE(t, last_t);
    last_t = t;

    const std::string_view author = Str(data["author_id"]);
    ASSERT_TRUE(IsAllDigits(author));
    ASSERT_TRUE(IsAllDigits(Str(data["conversation_id"])));
    const std::string_view lang = Str(data["lang"]);
    ASSERT_FALSE(lang.empty());
    bool sensitive = true;
    ASSERT_EQ(data["possibly_sensitive"].get(sensitive), simdjson::SUCCESS);
    EXPECT_FALSE(sensitive);
    std::uint64_t count = 0;
    ASSERT_EQ(data["public_metrics"]["retweet_count"].get(count), simdjson::SUCCESS);
    ASSERT_EQ(data["public_metrics"]["like_count"].get(count), simdjson::SUCCESS);

    // Users: the author and every mentioned account are included.
    std::set<std::string> user_ids, usernames;
    simdjson::dom::array users;
    ASSERT_EQ(doc["includes"]["users"].get(users), simdjson::SUCCESS);
    for (auto u : users) {
      user_ids.emplace(Str(u["id"]));
      const std::string_view username = Str(u["username"]);
      ASSERT_LE(username.size(), 15u);
      usernames.emplace(username);
      ASSERT_FALSE(Str(u["name"]).empty());
    }
    EXPECT_TRUE(user_ids.count(std::string(author)));

    simdjson::dom::array rules;
    ASSERT_EQ(doc["matching_rules"].get(rules), simdjson::SUCCESS);
    ASSERT_GE(rules.size(), 1u);
    for (auto r : rules) {
      EXPECT_EQ(Str(r["id"]).size(), 19u);
      EXPECT_TRUE(IsAllDigits(Str(r["id"])));
      EXPECT_FALSE(Str(r["tag"]).empty());
    }

    // Kind and references.
    const std::string_view text = Str(data["text"]);
    std::string kind = "post";
    simdjson::dom::array refs;
    if (data["referenced_tweets"].get(refs) == simdjson::SUCCESS) {
      ASSERT_EQ(refs.size(), 1u);
      kind = std::string(Str(refs.at(0)["type"]));
      const std::string_view ref_id = Str(refs.at(0)["id"]);
      ASSERT_TRUE(IsAllDigits(ref_id));
      ASSERT_LT(std::string(ref_id), std::string(id));
      if (kind == "retweeted" || kind == "quoted") {
        simdjson::dom::array tweets;
        ASSERT_EQ(doc["includes"]["tweets"].get(tweets), simdjson::SUCCESS);
        simdjson::dom::element orig = tweets.at(0);
        EXPECT_EQ(Str(orig["id"]), ref_id);
        EXPECT_TRUE(user_ids.count(std::string(Str(orig["author_id"]))));
        if (kind == "retweeted") {
          std::string expected = "RT @";
          const std::string_view orig_text = Str(orig["text"]);
          ASSERT_TRUE(text.starts_with(expected)) << text;
          EXPECT_TRUE(text.ends_with(std::string(": ") + std::string(orig_text)));
          EXPECT_EQ(Str(orig["lang"]), lang);
        }
      } else {
        ASSERT_EQ(kind, "replied_to");
        EXPECT_TRUE(text.starts_with("@")) << text;
        EXPECT_TRUE(IsAllDigits(Str(data["in_reply_to_user_id"])));
      }
    }
    ++kinds[kind];

    // Entities: offsets cut out the entity; whitespace (or text edge) around it.
    const std::vector<std::size_t> cp = CodePointOffsets(text);
    const int cps = static_cast<int>(cp.size()) - 1;
    auto sub = [&](std::int64_t s, std::int64_t e) {
      EXPECT_LE(0, s);
      EXPECT_LT(s, e);
      EXPECT_LE(e, cps);
      if (s < 0 || e > cps || s >= e) return std::string_view();
      return text.substr(cp[s], cp[e] - cp[s]);
    };
    auto delimited = [&](std::int64_t s, std::int64_t e, bool rt_mention) {
      const bool before_ok = s == 0 || text[cp[s] - 1] == ' ' || text[cp[s] - 1] == '\n';
      const bool after_ok = e == cps || text[cp[e]] == ' ' || text[cp[e]] == '\n' ||
                            (rt_mention && text[cp[e]] == ':');
      EXPECT_TRUE(before_ok && after_ok) << text;
    };
    std::size_t n_tags = 0, n_mentions = 0, n_urls = 0, n_cash = 0;
    simdjson::dom::object entities;
    if (data["entities"].get(entities) == simdjson::SUCCESS) {
      ASSERT_GT(entities.size(), 0u);
      for (auto [key, value] : entities) {
        simdjson::dom::array arr = value.get_array();
        ASSERT_GT(arr.size(), 0u) << "empty kinds are omitted";
        for (auto e : arr) {
          const std::int64_t s = e["start"].get_int64();
          const std::int64_t en = e["end"].get_int64();
          if (key == "hashtags") {
            EXPECT_EQ(sub(s, en), "#" + std::string(Str(e["tag"])));
            delimited(s, en, false);
            ++n_tags;
          } else if (key == "mentions") {
            const std::string username(Str(e["username"]));
            EXPECT_EQ(sub(s, en), "@" + username);
            EXPECT_TRUE(usernames.count(username));
            EXPECT_TRUE(user_ids.count(std::string(Str(e["id"]))));
            delimited(s, en, kind == "retweeted" && s == 3);
            ++n_mentions;
          } else if (key == "urls") {
            const std::string_view url = Str(e["url"]);
            EXPECT_EQ(url.size(), 23u);
            EXPECT_TRUE(url.starts_with("https://t.co/"));
            EXPECT_EQ(sub(s, en), url);
            EXPECT_TRUE(Str(e["expanded_url"]).starts_with("https://"));
            EXPECT_FALSE(Str(e["display_url"]).empty());
            delimited(s, en, false);
            ++n_urls;
          } else if (key == "cashtags") {
            EXPECT_EQ(sub(s, en), "$" + std::string(Str(e["tag"])));
            delimited(s, en, false);
            ++n_cash;
          } else {
            ADD_FAILURE() << "unexpected entity kind " << key;
          }
        }
      }
    }
    // Nothing entity-like outside the entities, so an extractor agrees.
    EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '#')), n_tags) << text;
    EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '@')), n_mentions)
        << text;
    EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '$')), n_cash) << text;
    std::size_t n_https = 0;
    for (std::size_t p = text.find("https://"); p != std::string_view::npos;
         p = text.find("https://", p + 1)) {
      ++n_https;
    }
    EXPECT_EQ(n_https, n_urls) << text;

    simdjson::dom::element geo;
    if (data["geo"].get(geo) == simdjson::SUCCESS) {
      simdjson::dom::array pl;
      ASSERT_EQ(doc["includes"]["places"].get(pl), simdjson::SUCCESS);
      EXPECT_EQ(Str(pl.at(0)["id"]), Str(geo["place_id"]));
      ++places;
    }

    for (std::size_t b = 0; b < text.size(); ++b) {
      const unsigned char c = static_cast<unsigned char>(text[b]);
      astral += c >= 0xF0;
      rtl += c == 0xD8 || c == 0xD9;
      newlines += c == '\n';
    }
    zwj += text.find("\u200D") != std::string_view::npos;
    devanagari += text.find("\u0915") != std::string_view::npos ||
                  text.find("\u093E") != std::string_view::npos;
  }
  const double n = 20000;
  EXPECT_NEAR(kinds["retweeted"] / n, 0.30, 0.03);
  EXPECT_NEAR(kinds["replied_to"] / n, 0.25, 0.03);
  EXPECT_NEAR(kinds["quoted"] / n, 0.05, 0.015);
  EXPECT_NEAR(kinds["post"] / n, 0.40, 0.03);
  EXPECT_GT(astral, 100);
  EXPECT_GT(zwj, 10);
  EXPECT_GT(rtl, 100);
  EXPECT_GT(devanagari, 10);
  EXPECT_GT(places, 50);
  EXPECT_GT(newlines, 100);
}

TEST(PostGenerator, MeanRateWithinFivePercent) {
  GeneratorOptions o = Opts();
  o.diurnal = false;
  o.rate = 1000;
  PostGenerator gen(o);
  std::string line;
  const int n = 100000;
  TimestampUs first = 0, last = 0, prev = 0;
  for (int i = 0; i < n; ++i) {
    line.clear();
    const TimestampUs t = gen.Next(&line);
    if (i == 0) {
      first = t;
      EXPECT_EQ(t, o.start);
    }
    ASSERT_GE(t, prev);
    prev = last = t;
  }
  const double seconds = static_cast<double>(last - first) / 1e6;
  EXPECT_NEAR((n - 1) / seconds, o.rate, o.rate * 0.05);
}

TEST(PostGenerator, DiurnalCurvePeaksAtTwiceTheTroughWithTheSameMean) {
  GeneratorOptions o = Opts(3);
  o.rate = 0.5;
  o.burst_every_s = 0;
  o.start = 1617235200000000;  // midnight UTC
  PostGenerator gen(o);
  std::string line;
  const TimestampUs day_end = o.start + 86400LL * 1000000;
  int total = 0, peak = 0, trough = 0;
  for (;;) {
    line.clear();
    const TimestampUs t = gen.Next(&line);
    if (t >= day_end) break;
    ++total;
    const double hour = static_cast<double>(t - o.start) / 3.6e9;
    peak += hour >= 13 && hour < 15;
    trough += hour >= 1 && hour < 3;
  }
  EXPECT_NEAR(total, o.rate * 86400, o.rate * 86400 * 0.05);
  const double ratio = static_cast<double>(peak) / trough;
  EXPECT_GT(ratio, 1.6);
  EXPECT_LT(ratio, 2.4);
}

TEST(PostGenerator, HashtagsFollowZipfAndLanguagesMix) {
  GeneratorOptions o = Opts(5);
  o.burst_every_s = 0;
  PostGenerator gen(o);
  simdjson::dom::parser parser;
  std::string line;
  std::unordered_map<std::string, int> tag_counts;
  std::map<std::string, int> langs;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    line.clear();
    gen.Next(&line);
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    for (const std::string& t : HashtagsOf(doc["data"])) ++tag_counts[t];
    ++langs[std::string(Str(doc["data"]["lang"]))];
  }
  std::vector<int> counts;
  for (const auto& [tag, c] : tag_counts) counts.push_back(c);
  std::sort(counts.rbegin(), counts.rend());
  ASSERT_GT(counts.size(), 1000u);
  EXPECT_GT(counts[0], 10 * counts[99]) << counts[0] << " vs " << counts[99];
  EXPECT_GT(counts[9], 3 * counts[99]);

  EXPECT_GE(langs.size(), 8u);
  EXPECT_NEAR(langs["en"] / static_cast<double>(n), 0.38, 0.08);
  EXPECT_NEAR(langs["ja"] / static_cast<double>(n), 0.15, 0.05);
  EXPECT_GT(langs["und"], 0);
  for (const auto& [lang, c] : langs) std::printf("lang %s %.3f\n", lang.c_str(), c / double(n));
}

TEST(PostGenerator, BurstsAreFreshTagsConcentratedInTheirWindow) {
  GeneratorOptions o = Opts(9);
  o.rate = 500;
  o.burst_every_s = 30;
  o.burst_duration_s = 10;
  o.burst_share = 0.15;
  PostGenerator gen(o);
  simdjson::dom::parser parser;
  std::string line;
  struct Post {
    TimestampUs t;
    std::vector<std::string> tags;
  };
  std::vector<Post> posts;
  for (int i = 0; i < 60000; ++i) {
    line.clear();
    const TimestampUs t = gen.Next(&line);
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    posts.push_back({t, HashtagsOf(doc["data"])});
  }
  const std::vector<InjectedBurst>& bursts = gen.bursts();
  ASSERT_GE(bursts.size(), 3u);
  std::set<std::string> names;
  for (const InjectedBurst& b : bursts) {
    EXPECT_TRUE(names.insert(b.hashtag).second);
    EXPECT_LE(b.start, posts.back().t);
    EXPECT_EQ(b.end - b.start, 10000000);
    int in = 0, in_with = 0, out = 0, out_with = 0;
    for (const Post& p : posts) {
      const bool has = std::find(p.tags.begin(), p.tags.end(), b.hashtag) != p.tags.end();
      if (p.t >= b.start && p.t < b.end) {
        ++in;
        in_with += has;
      } else {
        ++out;
        out_with += has;
      }
    }
    ASSERT_GT(in, 1000);
    const double in_share = static_cast<double>(in_with) / in;
    const double out_share = static_cast<double>(out_with) / out;
    EXPECT_NEAR(in_share, 0.15, 0.03) << b.hashtag;
    EXPECT_GE(in_share, 10 * out_share) << b.hashtag;
    EXPECT_EQ(out_with, 0) << b.hashtag;
  }
}

TEST(PostGenerator, ParseQuery) {
  auto r = PostGenerator::ParseQuery(
      "rate=2000&seed=42&start=2021-04-01T00:00:00Z&users=100&hashtags=500&burst_every=60"
      "&burst_duration=10&burst_share=0.5&diurnal=0");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rate, 2000);
  EXPECT_EQ(r->seed, 42u);
  EXPECT_EQ(r->start, 1617235200000000);
  EXPECT_EQ(r->users, 100u);
  EXPECT_EQ(r->hashtags, 500u);
  EXPECT_EQ(r->burst_every_s, 60);
  EXPECT_EQ(r->burst_duration_s, 10);
  EXPECT_EQ(r->burst_share, 0.5);
  EXPECT_FALSE(r->diurnal);

  auto defaults = PostGenerator::ParseQuery("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->rate, GeneratorOptions().rate);
  auto escaped = PostGenerator::ParseQuery("?start=2021-04-01T00%3A00%3A00Z&diurnal=true");
  ASSERT_TRUE(escaped.ok()) << escaped.status().ToString();
  EXPECT_EQ(escaped->start, 1617235200000000);
  auto epoch = PostGenerator::ParseQuery("start=1617235200");
  ASSERT_TRUE(epoch.ok());
  EXPECT_EQ(epoch->start, 1617235200000000);

  for (const char* bad : {"speed=3",
                          "rate=abc",
                          "rate=0",
                          "rate=-5",
                          "rate=1e9",
                          "rate=nan",
                          "seed=-1",
                          "users=0",
                          "users=-1",
                          "hashtags=2000000",
                          "diurnal=2",
                          "start=yesterday",
                          "start=2015-01-01T00:00:00Z",
                          "burst_share=1.5",
                          "burst_every=-1",
                          "burst_duration=0",
                          "rate",
                          "rate=10&bogus=1",
                          "start=2021-04-01T00%3",
                          "users=12abc"}) {
    auto e = PostGenerator::ParseQuery(bad);
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  GeneratorOptions zero_rate;
  zero_rate.rate = 0;
  EXPECT_EQ(PostGenerator::Create(zero_rate).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(PostGenerator::Create(GeneratorOptions{}).ok());
}

TEST(PostGenerator, SmallPopulationsWork) {
  GeneratorOptions o = Opts();
  o.users = 1;
  o.hashtags = 1;
  o.burst_every_s = 1;
  o.burst_duration_s = 0.5;
  PostGenerator gen(o);
  simdjson::dom::parser parser;
  std::string line;
  for (int i = 0; i < 3000; ++i) {
    line.clear();
    gen.Next(&line);
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
  }
  EXPECT_FALSE(gen.bursts().empty());
}

// Not asserted: prints generation speed (meaningful in Release builds only).
TEST(PostGenerator, PrintsSpeed) {
  PostGenerator gen(Opts());
  std::string out;
  out.reserve(1 << 20);
  const int n = 200000;
  std::size_t bytes = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    gen.Next(&out);
    if (out.size() > (1 << 19)) {
      bytes += out.size();
      out.clear();
    }
  }
  bytes += out.size();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("generated %d posts in %.3f s: %.0f posts/s, %.1f MB/s, %.0f bytes/post\n", n, s,
              n / s, bytes / s / 1e6, static_cast<double>(bytes) / n);
}

}  // namespace
}  // namespace starling::source

namespace starling::source {
namespace {

// A paced generator resumed from a checkpoint goes on at once: the records
// before the position are regenerated without pacing, and the next one is
// due one inter-arrival after the last one handed out, not at its time
// counted from the first run's start (issue 12: resumes re-paced skipped
// records before).
TEST(PacedGenerator, ResumeFastForwards) {
  GeneratorOptions o;
  o.rate = 1000;
  o.seed = 3;
  o.start = 1617235200000000;  // 2021-04-01T00:00:00Z
  ManualClock clock;
  SourceOptions so;
  so.clock = &clock;
  auto first = OpenGenerator(o, 0, /*pace=*/true, so);
  ASSERT_TRUE(first.ok());
  Record r;
  for (int i = 0; i < 5000; ++i) {
    auto got = (*first)->Next(&r);
    if (!got.ok()) {
      ASSERT_EQ(got.status().code(), StatusCode::kTryAgain);
      --i;
    }
  }
  const auto five_seconds = clock.Steady();  // ~5 s of paced event time
  EXPECT_GE(five_seconds.time_since_epoch(), std::chrono::seconds(4));
  const std::string position = (*first)->Position();

  ManualClock later;
  so.clock = &later;
  auto resumed = OpenGenerator(o, 0, /*pace=*/true, so);
  ASSERT_TRUE(resumed.ok());
  ASSERT_TRUE(*(*resumed)->Seek(position));
  // The next post is due at once (no re-pacing of the 5,000 skipped posts).
  int waits = 0;
  for (;;) {
    auto got = (*resumed)->Next(&r);
    if (got.ok()) break;
    ASSERT_EQ(got.status().code(), StatusCode::kTryAgain);
    ++waits;
  }
  EXPECT_LT(later.Steady().time_since_epoch(), std::chrono::milliseconds(50));
  EXPECT_LE(waits, 1);
  EXPECT_EQ(r.line, 5001u);
}

}  // namespace
}  // namespace starling::source
