// File: source/generator.h
// A synthetic X API v2 filtered-stream firehose: seeded, reproducible,
// realistic in shape and in its distributions, with injected hashtag bursts
// whose ground truth is known. Used by tests, benchmarks and the demo source.
//
// What a line looks like: exactly a v2 stream line (as in
// ../shared/data/twarc-csv/streaming_output.jsonl, minus the fields Starling
// never reads: context_annotations, attachments, source), compact JSON:
//   {"data":{id,text,created_at,author_id,conversation_id,lang,entities?,
//            referenced_tweets?,in_reply_to_user_id?,public_metrics,geo?,
//            possibly_sensitive,edit_history_tweet_ids},
//    "includes":{"users":[..],"tweets":[..]?,"places":[..]?},
//    "matching_rules":[{"id":"<19 digits>","tag":".."}]}
// Entity offsets are Unicode code points, end exclusive. Every entity is
// separated from its neighbours by whitespace (the retweet prefix "RT @u:"
// aside), and the text holds no '#', '@', '$' or URL outside entities, so the
// twitter-text extractor (text/extract.h) finds exactly the entities written.
// Text is raw UTF-8 (no \u escapes, no &amp;: the word lists avoid & < >).
//
// The distributions (all drawn from one xoshiro256** stream seeded by `seed`;
// no std:: distributions, no wall clock):
// - Arrival: a Poisson process of `rate` posts per second of event time. With
//   `diurnal`, the rate follows rate * (1 + cos(2*pi*(t - 14:00 UTC)/24h) / 3),
//   peak (14:00 UTC) / trough (02:00 UTC) = 2, daily mean = rate.
//   created_at has millisecond resolution; Next() returns it (ms-aligned).
// - Ids: snowflakes of created_at (19 digits for starts after mid 2018),
//   strictly increasing in generation order.
// - Kind: retweet 30%, reply 25%, quote 5%, original post 40%.
//   Retweets and quotes reference a pool of 4096 "viral" originals chosen with
//   Zipf(s=0.9) (originals of the stream enter the pool now and then, so
//   counts in includes.tweets' public_metrics grow); retweet text is
//   "RT @author: " + the original text, untruncated. Replies answer a recent
//   post of the stream (70%) or a pool original (30%) and start "@author ".
// - Authors: Zipf(s=0.8) over `users` accounts. Each account has a home
//   language, assigned so that post volume follows the mix below; user ids,
//   usernames and display names depend only on the account index (not on seed).
// - Language (post volume): en 38%, ja 15%, es 9%, pt 6%, und 5% (emoji and
//   entities only), ar 4%, ko 4%, in 4% (X's code for Indonesian), tr 3%,
//   fr 3%, th 2%, hi 2%, de 1.5%, ru 1.5%, it 1%, zh 1%. A retweet has the
//   language of its original.
// - Text: 1 to 3 short phrases from per-language lists (Latin, CJK, Hangul,
//   Arabic, Devanagari, Thai, Cyrillic), emoji in ~25% (astral, skin tones,
//   ZWJ sequences, flags). Hashtags per post: 0 (55%), 1 (25%), 2 (12%),
//   3 (5%), 4 (3%), drawn from Zipf(s=1.1) over a vocabulary of `hashtags`
//   tags in several scripts (fixed, independent of seed). Leading mention 8%,
//   URL (https://t.co/<10 chars> with an expanded_url) 15%, cashtag 2%,
//   geo place 2% of non-retweets (with includes.places).
// - Bursts: every `burst_every_s` of event time a burst starts at a jittered
//   point of each period ([0.25, 0.75) of it), lasts `burst_duration_s`, and
//   tags a brand-new made-up hashtag ("Zorvexlyn42") onto each post in
//   [start, end) with probability `burst_share` (a retweet then retweets a
//   fresh original carrying it). Burst tags never appear outside their window.
// - matching_rules: rule "firehose" always, "hashtags" when the post has
//   hashtags, "links" when it has URLs (rule ids fixed by the seed).
//
// Determinism: the same options give byte-identical output on any IEEE-754
// machine; tables built with pow/log/cos are quantized to integers so that a
// last-bit difference between math libraries cannot change the output.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/post.h"

namespace starling::source {

struct GeneratorOptions {
  std::uint64_t seed = 7;
  double rate = 1000;  // mean posts per second of event time; (0, 1e8]
  // Event time of the first post (2021-04-01T00:00:00Z by default; pass now()
  // for live use). Must be at or after 2019-01-01T00:00:00Z.
  model::TimestampUs start = 1617235200000000;
  std::uint32_t users = 50000;     // author population; [1, 10'000'000]
  std::uint32_t hashtags = 20000;  // hashtag vocabulary; [1, 1'000'000]
  bool diurnal = true;             // rate follows the UTC day (see above)
  double burst_every_s = 600;      // burst period in event seconds; 0 disables
  double burst_duration_s = 120;   // > 0 when bursts are enabled
  double burst_share = 0.15;       // [0, 1]: share of posts carrying the tag
};

// One injected burst: `hashtag` (without '#') is carried by posts whose
// event time is in [start, end).
struct InjectedBurst {
  std::string hashtag;
  model::TimestampUs start = 0;
  model::TimestampUs end = 0;
};

// Generates the stream. Not thread-safe: one generator per thread. Building
// one precomputes the Zipf tables and the vocabulary (milliseconds for the
// defaults); Next() then does no allocation beyond growing *out (and, once
// per burst, the bursts() entry).
class PostGenerator {
 public:
  // A generator, or Validate's error.
  static Result<std::unique_ptr<PostGenerator>> Create(const GeneratorOptions& options);
  // `options` must pass Validate (Create checks them; bad ones abort).
  explicit PostGenerator(const GeneratorOptions& options);
  ~PostGenerator();
  PostGenerator(const PostGenerator&) = delete;
  PostGenerator& operator=(const PostGenerator&) = delete;

  // Appends the next post as one v2 stream line (JSON, no newline) to *out
  // and returns its event time (= created_at, millisecond-aligned,
  // non-decreasing from call to call).
  model::TimestampUs Next(std::string* out);

  // Posts generated so far.
  std::uint64_t sequence() const;

  // When the last post arrived, to the microsecond (its created_at is this
  // rounded down to the millisecond). Pacing by it spreads posts out as a
  // real stream does, instead of in bursts at each millisecond.
  model::TimestampUs arrival() const;

  // Bursts whose start is at or before the last generated post, in start
  // order (ground truth for tests and benchmarks). The reference stays valid
  // until the next call to Next().
  const std::vector<InjectedBurst>& bursts() const;

  const GeneratorOptions& options() const;

  // InvalidArgument naming the first out-of-range field, else Ok.
  static Status Validate(const GeneratorOptions& options);

  // Parses "rate=2000&seed=7&start=2021-04-01T00:00:00Z&users=..&hashtags=..
  // &diurnal=0&burst_every=600&burst_duration=120&burst_share=0.15" (a
  // leading '?' and %XX escapes are accepted; omitted keys keep their
  // defaults; start is ISO-8601 or integer epoch seconds; diurnal is
  // 0/1/true/false). InvalidArgument on unknown keys, malformed or
  // out-of-range values.
  static Result<GeneratorOptions> ParseQuery(std::string_view query);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace starling::source
