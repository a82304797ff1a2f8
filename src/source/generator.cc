// File: source/generator.cc
// The synthetic X v2 firehose (see generator.h for the shape and the
// distributions). Its randomness is in generator_random.h, its data in
// generator_data.h (with the word lists generated from generator_words/) and
// its JSON helpers in generator_json.h; here: accounts, the vocabulary, text
// composition, then the generator itself.
#include "source/generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <unordered_set>

#include "model/post_json.h"
#include "source/generator_data.h"
#include "source/generator_json.h"
#include "source/generator_random.h"

namespace starling::source {
namespace {

using model::TimestampUs;
using namespace std::string_view_literals;
using namespace generator_detail;

constexpr std::int64_t kTwitterEpochMs = 1288834974657;
constexpr TimestampUs kMinStartUs = 1546300800000000;  // 2019-01-01T00:00:00Z
constexpr std::uint64_t kUserSalt = 0x75736572'6964ULL;
constexpr std::uint64_t kNameSalt = 0x6e616d65'7321ULL;
constexpr std::uint64_t kVocabSalt = 0x766f6361'6221ULL;

inline std::uint64_t Snowflake(std::int64_t ms, std::uint64_t low_bits) {
  return (static_cast<std::uint64_t>(ms - kTwitterEpochMs) << 22) | (low_bits & 0x3FFFFF);
}

// ---------------------------------------------------------------------------
// Accounts: id, username and display name are functions of the index.

std::uint64_t UserIdNumber(std::uint32_t index) {
  const std::uint64_t h = Mix(kUserSalt, index);
  if (h % 5 < 2) {
    // Old account: 9-10 digits (bijective in index).
    return 100000000ULL + ((static_cast<std::uint64_t>(index) * 2654435761ULL) & 0x7FFFFFFFULL);
  }
  // Account from 2020 on: a 19-digit snowflake-like id (bijective in index).
  return 1200000000000000000ULL +
         ((static_cast<std::uint64_t>(index) * 0x9E3779B97F4A7C15ULL) & ((1ULL << 56) - 1));
}

// Letters, optional '_', then the index: unique, at most 15 characters.
void AppendUsername(std::uint32_t index, std::string* out) {
  const std::uint64_t h = Mix(kUserSalt ^ 0xABCDEF, index);
  const int syllables = 1 + static_cast<int>(h % 3);
  const int style = static_cast<int>((h >> 40) % 3);
  for (int k = 0; k < syllables; ++k) {
    const std::string_view syl = kUserSyllables[(h >> (8 + 5 * k)) % std::size(kUserSyllables)];
    out->append(syl);
    if (k == 0 && style == 2) (*out)[out->size() - syl.size()] -= 'a' - 'A';
  }
  if (style == 0) out->push_back('_');
  AppendUint(index, out);
}

// ---------------------------------------------------------------------------
// A composed text with its entities.

enum class EntityKind : std::uint8_t { kHashtag, kMention, kUrl, kCashtag };

constexpr std::uint32_t kBurstRef = 0x80000000u;      // hashtag ref: burst index
constexpr std::uint32_t kQuoteLinkRef = 0xFFFFFFFFu;  // url ref: link to quoted tweet

struct Entity {
  EntityKind kind;
  std::int32_t start;
  std::int32_t end;
  std::uint32_t ref;    // vocabulary index | kBurstRef, user index, url target, cashtag
  std::uint64_t extra;  // url: seed of the t.co code and path
};

struct Body {
  std::string text;
  std::int32_t cps = 0;  // code points in text
  std::vector<Entity> entities;
  std::uint32_t quote_author = 0;
  std::uint64_t quote_id = 0;

  void Clear() {
    text.clear();
    cps = 0;
    entities.clear();
  }
  void Append(std::string_view s) {
    text.append(s);
    cps += CountCodePoints(s);
  }
  // A space (or, when allowed, sometimes a line break) unless at the start.
  void Separate(Rng* rng, bool allow_newline) {
    if (text.empty()) return;
    if (allow_newline && rng->Chance(0.25)) {
      Append(rng->Chance(0.5) ? "\n" : "\n\n");
    } else {
      Append(" ");
    }
  }
};

enum class Kind : std::uint8_t { kPost, kRetweet, kReply, kQuote };

struct PoolEntry {
  std::uint64_t id;
  std::int64_t created_ms;
  std::uint64_t content_seed;
  std::uint32_t author;
  std::uint8_t lang;
  std::uint32_t retweets, replies, quotes, likes;
};

struct RecentPost {
  std::uint64_t id;
  std::uint64_t conversation_id;
  std::uint32_t author;
};

// What WriteTweet needs besides the body.
struct TweetHead {
  std::uint64_t id = 0;
  std::int64_t created_ms = 0;
  std::uint32_t author = 0;
  std::uint8_t lang = 0;
  std::uint64_t conversation_id = 0;
  std::string_view ref_type;  // "retweeted", "quoted", "replied_to" or empty
  std::uint64_t ref_id = 0;
  bool is_reply = false;
  std::uint32_t reply_to_user = 0;
  std::uint32_t retweets = 0, replies = 0, likes = 0, quotes = 0;
  std::uint64_t impressions = 0;
  int place = -1;
};

constexpr std::size_t kPoolSize = 4096;
constexpr std::size_t kRecentSize = 1024;

}  // namespace

// ---------------------------------------------------------------------------

struct PostGenerator::Impl {
  explicit Impl(const GeneratorOptions& o);
  TimestampUs Next(std::string* out);

  void BuildUserLanguages();
  void BuildVocabulary();
  void BuildPool();
  std::string BurstName(std::uint64_t n) const;
  void ScheduleNextBurst();
  void Advance();

  void Compose(Rng* r, std::uint8_t lang, std::span<const std::uint32_t> burst_refs, Body* b);
  void AppendHashtag(std::uint32_t ref, Rng* r, bool allow_newline, Body* b);
  void AppendMention(std::uint32_t user, Body* b);
  void AppendUrl(std::uint32_t target, std::uint64_t seed, Body* b);
  void AppendRetweetOf(std::uint32_t orig_author, const Body& orig, Body* b);

  void AppendDisplayName(std::uint32_t user, std::string* out) const;
  void AppendUserObject(std::uint32_t user, std::string* out);
  void WriteTweet(const TweetHead& h, const Body& b, std::string* out);
  void WriteUrlEntity(const Entity& e, const Body& b, std::string* out);
  void AppendTagText(std::uint32_t ref, std::string* out) const;

  GeneratorOptions opt;
  Rng rng;
  ZipfTable user_zipf;
  ZipfTable tag_zipf;
  ZipfTable pool_zipf;
  std::vector<std::uint8_t> user_lang;
  std::vector<std::string> vocab;
  std::unordered_set<std::string> taken_tags;  // lowercase ASCII keys
  const std::vector<std::uint32_t>& exp_table;
  const std::vector<std::uint32_t>& diurnal_table;

  double gap_ps;  // mean inter-arrival at factor 1, picoseconds
  TimestampUs now_us;
  std::int64_t rem_ps = 0;
  std::uint64_t seq = 0;
  std::uint64_t last_id = 0;

  std::int64_t burst_every_us = 0;
  std::int64_t burst_duration_us = 0;
  std::vector<InjectedBurst> bursts;
  std::size_t first_active_burst = 0;
  std::uint64_t next_burst_index = 0;
  TimestampUs next_burst_start = std::numeric_limits<TimestampUs>::max();
  std::vector<std::uint32_t> burst_refs;  // for the current post

  std::vector<PoolEntry> pool;
  std::vector<RecentPost> recent;
  std::size_t recent_next = 0;
  std::array<std::string, 3> rule_ids;

  Body main;
  Body ref;
  std::string scratch;
  std::vector<std::uint32_t> users_out;
};

PostGenerator::Impl::Impl(const GeneratorOptions& o)
    : opt(o),
      rng(o.seed),
      user_zipf(o.users, 0.8),
      tag_zipf(o.hashtags, 1.1),
      pool_zipf(kPoolSize, 0.9),
      exp_table(ExponentialTable()),
      diurnal_table(DiurnalTable()),
      gap_ps(1e12 / o.rate),
      now_us(o.start) {
  BuildUserLanguages();
  BuildVocabulary();
  BuildPool();
  for (std::size_t i = 0; i < rule_ids.size(); ++i) {
    const std::int64_t ms = FloorDiv(o.start, 1000) - 86400000 * static_cast<std::int64_t>(3 - i);
    rule_ids[i] = std::to_string(Snowflake(ms, Mix(o.seed, 0x72756c65 + i)));
  }
  if (o.burst_every_s > 0) {
    burst_every_us = std::llround(o.burst_every_s * 1e6);
    burst_duration_us = std::llround(o.burst_duration_s * 1e6);
    ScheduleNextBurst();
  }
  recent.reserve(kRecentSize);
  main.entities.reserve(32);
  ref.entities.reserve(32);
  users_out.reserve(32);
  burst_refs.reserve(8);
}

// Home languages such that, weighted by Zipf activity, post volume follows
// the language shares: each account (most active first) takes the language
// furthest below its share so far.
void PostGenerator::Impl::BuildUserLanguages() {
  user_lang.resize(opt.users);
  std::array<double, kNumLanguages> assigned{};
  double cum = 0;
  for (std::uint32_t u = 0; u < opt.users; ++u) {
    const double mass = static_cast<double>(user_zipf.Mass(u));
    cum += mass;
    std::size_t best = 0;
    double best_deficit = -std::numeric_limits<double>::infinity();
    for (std::size_t l = 0; l + 1 < kNumLanguages; ++l) {
      const double deficit = kLanguages[l].share / (1 - kUndShare) * cum - assigned[l];
      if (deficit > best_deficit) {
        best_deficit = deficit;
        best = l;
      }
    }
    assigned[best] += mass;
    user_lang[u] = static_cast<std::uint8_t>(best);
  }
}

// The vocabulary is the head list, then composed tags ("MusicFestival",
// "vibes2024", "拡散希望"-like pairs in other scripts), unique ignoring ASCII
// case. It depends only on its size.
void PostGenerator::Impl::BuildVocabulary() {
  vocab.reserve(opt.hashtags);
  auto add = [&](std::string tag, std::uint64_t i) {
    std::string key = LowerAscii(tag);
    while (!taken_tags.insert(key).second) {
      const std::string suffix = std::to_string(i % 1000);
      tag += suffix;
      key += suffix;
      i = i / 7 + 13;
    }
    vocab.push_back(std::move(tag));
  };
  for (std::uint64_t i = 0; vocab.size() < opt.hashtags; ++i) {
    if (i < std::size(kHeadTags)) {
      add(std::string(kHeadTags[i]), i);
      continue;
    }
    const std::uint64_t h = Mix(kVocabSalt, i);
    const std::uint32_t type = h % 100;
    const std::size_t nl = std::size(kLatinTagWords);
    std::string tag;
    if (type < 82) {
      const std::string_view a = kLatinTagWords[(h >> 8) % nl];
      const std::string_view b = kLatinTagWords[(h >> 24) % nl];
      const bool camel = (h >> 40) % 5 != 0;
      tag.append(a);
      if (camel) tag[0] = static_cast<char>(tag[0] - 'a' + 'A');
      if (type < 70) {
        tag.append(b);
        if (camel) tag[a.size()] = static_cast<char>(tag[a.size()] - 'a' + 'A');
      } else {
        tag += std::to_string((h >> 44) % 4 == 0 ? 2015 + (h >> 48) % 12 : (h >> 48) % 100);
      }
    } else {
      const Words words = kScriptTagWords[(h >> 8) % std::size(kScriptTagWords)];
      tag.append(words[(h >> 16) % words.size()]);
      tag.append(words[(h >> 32) % words.size()]);
    }
    add(std::move(tag), i);
  }
}

void PostGenerator::Impl::BuildPool() {
  pool.resize(kPoolSize);
  const std::int64_t start_ms = FloorDiv(opt.start, 1000);
  for (std::size_t k = 0; k < kPoolSize; ++k) {
    Rng r(Mix(opt.seed, 0x706f6f6c00000000ULL + k));
    PoolEntry& p = pool[k];
    p.created_ms = start_ms - 1000 - r.Below(6 * 3600 * 1000);
    p.id = Snowflake(p.created_ms, r.Next());
    p.content_seed = r.Next();
    p.author = user_zipf.Sample(r.Next());
    p.lang = r.Chance(kUndShare) ? kUnd : user_lang[p.author];
    p.retweets = static_cast<std::uint32_t>(20000 / (k + 1)) + r.Below(50);
    const std::uint32_t per_retweet = 2 + r.Below(6);  // drawn first, as GCC did
    p.likes = p.retweets * per_retweet + r.Below(20);
    p.replies = p.retweets / 8 + r.Below(5);
    p.quotes = p.retweets / 20 + r.Below(3);
  }
}

// A made-up word and a number, never in the vocabulary nor used before.
std::string PostGenerator::Impl::BurstName(std::uint64_t n) const {
  const std::uint64_t h = Mix(opt.seed ^ 0x6275727374ULL, n);
  std::string name;
  const int syllables = 2 + static_cast<int>(h % 2);
  for (int k = 0; k < syllables; ++k) {
    name.append(kBurstSyllables[(h >> (4 + 4 * k)) % std::size(kBurstSyllables)]);
  }
  name[0] = static_cast<char>(name[0] - 'a' + 'A');
  name += std::to_string(10 + (h >> 20) % 90);
  std::string key = LowerAscii(name);
  auto used = [&](const std::string& k) {
    if (taken_tags.count(k) != 0) return true;
    for (const InjectedBurst& b : bursts) {
      if (LowerAscii(b.hashtag) == k) return true;
    }
    return false;
  };
  while (used(key)) {
    name.push_back('x');
    name += std::to_string(n);
    key = LowerAscii(name);
  }
  return name;
}

void PostGenerator::Impl::ScheduleNextBurst() {
  const std::uint64_t n = next_burst_index;
  const std::int64_t jitter_range = burst_every_us / 2 + 1;
  const std::int64_t jitter = static_cast<std::int64_t>(Mix(opt.seed ^ 0x6a6974746572ULL, n) %
                                                        static_cast<std::uint64_t>(jitter_range));
  next_burst_start =
      opt.start + static_cast<std::int64_t>(n) * burst_every_us + burst_every_us / 4 + jitter;
}

void PostGenerator::Impl::Advance() {
  const std::uint32_t e = exp_table[rng.Next() >> 48];
  std::uint32_t f = 65536;
  if (opt.diurnal) {
    const std::int64_t minute = FloorDiv(now_us, 60000000) % kMinutesPerDay;
    f = diurnal_table[static_cast<std::size_t>(minute < 0 ? minute + kMinutesPerDay : minute)];
  }
  // One multiply and one divide, each IEEE-rounded: the same everywhere.
  const double dt_ps = static_cast<double>(e) * gap_ps / static_cast<double>(f);
  rem_ps += static_cast<std::int64_t>(dt_ps);
  now_us += rem_ps / 1000000;
  rem_ps %= 1000000;
}

void PostGenerator::Impl::AppendTagText(std::uint32_t ref, std::string* out) const {
  if (ref & kBurstRef) {
    out->append(bursts[ref & ~kBurstRef].hashtag);
  } else {
    out->append(vocab[ref]);
  }
}

void PostGenerator::Impl::AppendHashtag(std::uint32_t ref, Rng* r, bool allow_newline, Body* b) {
  b->Separate(r, allow_newline);
  const std::int32_t start = b->cps;
  const std::size_t before = b->text.size();
  b->text.push_back('#');
  AppendTagText(ref, &b->text);
  b->cps += CountCodePoints(std::string_view(b->text).substr(before));
  b->entities.push_back({EntityKind::kHashtag, start, b->cps, ref, 0});
}

void PostGenerator::Impl::AppendMention(std::uint32_t user, Body* b) {
  const std::int32_t start = b->cps;
  const std::size_t before = b->text.size();
  b->text.push_back('@');
  AppendUsername(user, &b->text);
  b->cps += static_cast<std::int32_t>(b->text.size() - before);  // ASCII
  b->entities.push_back({EntityKind::kMention, start, b->cps, user, 0});
}

void PostGenerator::Impl::AppendUrl(std::uint32_t target, std::uint64_t seed, Body* b) {
  const std::int32_t start = b->cps;
  b->text.append("https://t.co/"sv);
  AppendCode(seed, 10, &b->text);
  b->cps += 23;
  b->entities.push_back({EntityKind::kUrl, start, b->cps, target, seed});
}

// Text: [@mention] [#tags] phrase[ending][emoji] ... [$cashtag] [#tags] [url].
void PostGenerator::Impl::Compose(Rng* r, std::uint8_t lang, std::span<const std::uint32_t> burst,
                                  Body* b) {
  const LanguageSpec& spec = kLanguages[lang];
  const bool und = spec.phrases.empty();

  const std::uint32_t roll = r->Below(100);
  int n_tags = roll < 55 ? 0 : roll < 80 ? 1 : roll < 92 ? 2 : roll < 97 ? 3 : 4;
  if (und && n_tags == 0 && r->Chance(0.3)) n_tags = 1;
  std::array<std::uint32_t, 16> tags;
  std::size_t count = 0;
  for (int i = 0; i < n_tags; ++i) {
    std::uint32_t t = tag_zipf.Sample(r->Next());
    for (int retry = 0;
         retry < 3 && std::find(tags.begin(), tags.begin() + count, t) != tags.begin() + count;
         ++retry) {
      t = tag_zipf.Sample(r->Next());
    }
    if (std::find(tags.begin(), tags.begin() + count, t) == tags.begin() + count) tags[count++] = t;
  }
  for (const std::uint32_t br : burst) {
    if (count == tags.size()) break;
    const std::size_t pos = r->Below(static_cast<std::uint32_t>(count + 1));
    std::copy_backward(tags.begin() + pos, tags.begin() + count, tags.begin() + count + 1);
    tags[pos] = br;
    ++count;
  }
  const bool tags_first = count > 0 && r->Chance(0.1);

  if (!und && r->Chance(0.08)) {
    b->Separate(r, false);
    AppendMention(user_zipf.Sample(r->Next()), b);
  }
  if (tags_first) {
    for (std::size_t i = 0; i < count; ++i) AppendHashtag(tags[i], r, false, b);
  }
  auto append_emoji = [&](int n) {
    for (int i = 0; i < n; ++i) b->Append(kEmoji[r->Below(std::size(kEmoji))]);
  };
  if (und) {
    b->Separate(r, false);
    append_emoji(1 + static_cast<int>(r->Below(4)));
  } else {
    const int second = r->Chance(0.45);  // drawn first, as GCC did
    const int phrases = 1 + second + r->Chance(0.15);
    const std::uint32_t n_phrases = static_cast<std::uint32_t>(spec.phrases.size());
    std::uint32_t previous = n_phrases;
    for (int i = 0; i < phrases; ++i) {
      if (i == 0 || spec.spaced || r->Chance(0.3)) b->Separate(r, i > 0);
      std::uint32_t p = r->Below(n_phrases);
      if (p == previous) p = (p + 1) % n_phrases;
      previous = p;
      b->Append(spec.phrases[p]);
      b->Append(spec.endings[r->Below(static_cast<std::uint32_t>(spec.endings.size()))]);
      if (r->Chance(0.2)) {
        if (r->Chance(0.5)) b->Append(" ");
        append_emoji(1 + static_cast<int>(r->Below(2)));
      }
    }
  }
  if (r->Chance(0.02)) {
    b->Separate(r, false);
    const std::int32_t start = b->cps;
    const std::uint32_t c = r->Below(std::size(kCashtags));
    b->Append("$");
    b->Append(kCashtags[c]);
    b->entities.push_back({EntityKind::kCashtag, start, b->cps, c, 0});
  }
  if (!tags_first && count > 0) {
    for (std::size_t i = 0; i < count; ++i) AppendHashtag(tags[i], r, i == 0, b);
  }
  if (r->Chance(0.15)) {
    b->Separate(r, false);
    // Drawn one after the other: the order of a call's arguments is the
    // compiler's choice (GCC and clang differ), and so would be the posts.
    const std::uint64_t seed = r->Next();
    const auto target = static_cast<std::uint32_t>(r->Below(std::size(kUrlTargets)));
    AppendUrl(target, seed, b);
  }
}

// "RT @author: " + the original text, its entities shifted.
void PostGenerator::Impl::AppendRetweetOf(std::uint32_t orig_author, const Body& orig, Body* b) {
  b->Append("RT ");
  AppendMention(orig_author, b);
  b->Append(": ");
  const std::int32_t shift = b->cps;
  b->text.append(orig.text);
  b->cps += orig.cps;
  for (Entity e : orig.entities) {
    e.start += shift;
    e.end += shift;
    b->entities.push_back(e);
  }
}

void PostGenerator::Impl::AppendDisplayName(std::uint32_t user, std::string* out) const {
  const std::uint64_t h = Mix(kNameSalt, user);
  const LanguageSpec& spec = kLanguages[user_lang[user]];
  const std::string_view first = spec.first_names[h % spec.first_names.size()];
  const bool with_last = !spec.last_names.empty() && (h >> 16) % 2 == 0;
  const std::string_view last =
      with_last ? spec.last_names[(h >> 20) % spec.last_names.size()] : std::string_view();
  if (with_last && spec.family_name_first) {
    out->append(last);
    out->append(first);
  } else {
    out->append(first);
    if (with_last) {
      out->push_back(' ');
      out->append(last);
    }
  }
  if ((h >> 32) % 7 == 0) {
    out->push_back(' ');
    out->append(kEmoji[(h >> 40) % std::size(kEmoji)]);
  }
}

void PostGenerator::Impl::AppendUserObject(std::uint32_t user, std::string* out) {
  out->append("{\"id\":"sv);
  AppendQuotedUint(UserIdNumber(user), out);
  out->append(",\"name\":"sv);
  scratch.clear();
  AppendDisplayName(user, &scratch);
  AppendJsonString(scratch, out);
  out->append(",\"username\":\""sv);
  AppendUsername(user, out);
  out->append("\"}"sv);
}

void PostGenerator::Impl::WriteUrlEntity(const Entity& e, const Body& b, std::string* out) {
  scratch.clear();
  if (e.ref == kQuoteLinkRef) {
    scratch.append("https://twitter.com/"sv);
    AppendUsername(b.quote_author, &scratch);
    scratch.append("/status/"sv);
    AppendUint(b.quote_id, &scratch);
  } else {
    const UrlTarget& t = kUrlTargets[e.ref];
    scratch.append(t.prefix);
    AppendCode(e.extra ^ 0x70617468ULL, t.code_len, &scratch);
    scratch.append(t.suffix);
  }
  out->append("{\"start\":"sv);
  AppendUint(static_cast<std::uint64_t>(e.start), out);
  out->append(",\"end\":"sv);
  AppendUint(static_cast<std::uint64_t>(e.end), out);
  out->append(",\"url\":\"https://t.co/"sv);
  AppendCode(e.extra, 10, out);
  out->append("\",\"expanded_url\":"sv);
  AppendJsonString(scratch, out);
  // display_url: no scheme, no "www.", cut after 26 characters with '…'.
  std::string_view display(scratch);
  display.remove_prefix(display.find("://") + 3);
  if (display.starts_with("www.")) display.remove_prefix(4);
  out->append(",\"display_url\":\""sv);
  if (display.size() > 27) {
    out->append(display.substr(0, 26));
    out->append("…"sv);
  } else {
    out->append(display);
  }
  out->append("\"}"sv);
}

void PostGenerator::Impl::WriteTweet(const TweetHead& h, const Body& b, std::string* out) {
  out->append("{\"id\":"sv);
  AppendQuotedUint(h.id, out);
  out->append(",\"text\":"sv);
  AppendJsonString(b.text, out);
  out->append(",\"created_at\":\""sv);
  AppendIsoMillis(h.created_ms, out);
  out->append("\",\"author_id\":"sv);
  AppendQuotedUint(UserIdNumber(h.author), out);
  out->append(",\"conversation_id\":"sv);
  AppendQuotedUint(h.conversation_id, out);
  out->append(",\"lang\":\""sv);
  out->append(kLanguages[h.lang].code);
  out->push_back('"');
  if (!b.entities.empty()) {
    out->append(",\"entities\":{"sv);
    static constexpr std::string_view kNames[] = {"hashtags", "mentions", "urls", "cashtags"};
    bool first_kind = true;
    for (int k = 0; k < 4; ++k) {
      const EntityKind kind = static_cast<EntityKind>(k);
      bool first = true;
      for (const Entity& e : b.entities) {
        if (e.kind != kind) continue;
        if (first) {
          if (!first_kind) out->push_back(',');
          first_kind = false;
          out->push_back('"');
          out->append(kNames[k]);
          out->append("\":["sv);
        } else {
          out->push_back(',');
        }
        first = false;
        if (kind == EntityKind::kUrl) {
          WriteUrlEntity(e, b, out);
          continue;
        }
        out->append("{\"start\":"sv);
        AppendUint(static_cast<std::uint64_t>(e.start), out);
        out->append(",\"end\":"sv);
        AppendUint(static_cast<std::uint64_t>(e.end), out);
        switch (kind) {
          case EntityKind::kHashtag:
            out->append(",\"tag\":\""sv);
            AppendTagText(e.ref, out);
            out->append("\"}"sv);
            break;
          case EntityKind::kMention:
            out->append(",\"username\":\""sv);
            AppendUsername(e.ref, out);
            out->append("\",\"id\":"sv);
            AppendQuotedUint(UserIdNumber(e.ref), out);
            out->push_back('}');
            break;
          case EntityKind::kCashtag:
            out->append(",\"tag\":\""sv);
            out->append(kCashtags[e.ref]);
            out->append("\"}"sv);
            break;
          case EntityKind::kUrl:
            break;
        }
      }
      if (!first) out->push_back(']');
    }
    out->push_back('}');
  }
  if (!h.ref_type.empty()) {
    out->append(",\"referenced_tweets\":[{\"type\":\""sv);
    out->append(h.ref_type);
    out->append("\",\"id\":"sv);
    AppendQuotedUint(h.ref_id, out);
    out->append("}]"sv);
  }
  if (h.is_reply) {
    out->append(",\"in_reply_to_user_id\":"sv);
    AppendQuotedUint(UserIdNumber(h.reply_to_user), out);
  }
  out->append(",\"public_metrics\":{\"retweet_count\":"sv);
  AppendUint(h.retweets, out);
  out->append(",\"reply_count\":"sv);
  AppendUint(h.replies, out);
  out->append(",\"like_count\":"sv);
  AppendUint(h.likes, out);
  out->append(",\"quote_count\":"sv);
  AppendUint(h.quotes, out);
  out->append(",\"bookmark_count\":0,\"impression_count\":"sv);
  AppendUint(h.impressions, out);
  out->push_back('}');
  if (h.place >= 0) {
    out->append(",\"geo\":{\"place_id\":\""sv);
    out->append(kPlaces[h.place].id);
    out->append("\"}"sv);
  }
  out->append(",\"possibly_sensitive\":false,\"edit_history_tweet_ids\":["sv);
  AppendQuotedUint(h.id, out);
  out->append("]}"sv);
}

TimestampUs PostGenerator::Impl::Next(std::string* out) {
  if (seq > 0) Advance();
  ++seq;
  const std::int64_t ms = FloorDiv(now_us, 1000);
  const TimestampUs t = ms * 1000;

  // Bursts: announce those that started, draw the tags of the active ones.
  while (next_burst_start <= t) {
    const std::uint64_t n = next_burst_index;
    bursts.push_back({BurstName(n), next_burst_start, next_burst_start + burst_duration_us});
    ++next_burst_index;
    ScheduleNextBurst();
  }
  burst_refs.clear();
  while (first_active_burst < bursts.size() && bursts[first_active_burst].end <= t) {
    ++first_active_burst;
  }
  TimestampUs burst_start = t;
  for (std::size_t i = first_active_burst; i < bursts.size(); ++i) {
    if (bursts[i].start <= t && t < bursts[i].end && rng.Chance(opt.burst_share)) {
      burst_refs.push_back(kBurstRef | static_cast<std::uint32_t>(i));
      burst_start = std::min(burst_start, bursts[i].start);
    }
  }

  std::uint64_t id = Snowflake(ms, rng.Next());
  if (id <= last_id) id = last_id + 1 + (rng.Next() & 0xFF);
  last_id = id;

  const std::uint32_t roll = rng.Below(100);
  const Kind kind = roll < 30   ? Kind::kRetweet
                    : roll < 55 ? Kind::kReply
                    : roll < 60 ? Kind::kQuote
                                : Kind::kPost;
  const std::uint32_t author = user_zipf.Sample(rng.Next());
  const std::uint8_t own_lang = rng.Chance(kUndShare) ? kUnd : user_lang[author];
  const std::uint64_t content_seed = rng.Next();

  main.Clear();
  ref.Clear();
  TweetHead head;
  head.id = id;
  head.created_ms = ms;
  head.author = author;
  head.lang = own_lang;
  head.conversation_id = id;
  TweetHead orig;  // the retweeted or quoted tweet
  bool has_orig = false;

  auto take_pool_original = [&]() -> PoolEntry& {
    PoolEntry& p = pool[pool_zipf.Sample(rng.Next())];
    orig.id = p.id;
    orig.created_ms = p.created_ms;
    orig.author = p.author;
    orig.lang = p.lang;
    orig.conversation_id = p.id;
    Rng cr(p.content_seed);
    Compose(&cr, p.lang, {}, &ref);
    has_orig = true;
    return p;
  };
  auto set_orig_metrics = [&](const PoolEntry& p) {
    orig.retweets = p.retweets;
    orig.replies = p.replies;
    orig.likes = p.likes;
    orig.quotes = p.quotes;
    orig.impressions = 40ULL * p.likes + 150ULL * p.retweets + 97;
  };

  switch (kind) {
    case Kind::kRetweet: {
      if (!burst_refs.empty()) {
        // A fresh original carrying the burst tag, posted since the burst began.
        orig.author = user_zipf.Sample(rng.Next());
        orig.lang = rng.Chance(kUndShare) ? kUnd : user_lang[orig.author];
        const std::int64_t since = std::min<std::int64_t>(30000, ms - FloorDiv(burst_start, 1000));
        orig.created_ms =
            ms - 1 - rng.Below(static_cast<std::uint32_t>(std::max<std::int64_t>(since, 0) + 1));
        orig.id = Snowflake(orig.created_ms, rng.Next());
        orig.conversation_id = orig.id;
        orig.retweets = 1 + rng.Below(40);
        orig.likes = orig.retweets * 3 + rng.Below(10);
        orig.impressions = 60ULL * orig.likes + 500;
        Rng cr(content_seed);
        Compose(&cr, orig.lang, burst_refs, &ref);
        has_orig = true;
      } else {
        PoolEntry& p = take_pool_original();
        ++p.retweets;
        p.likes += 1 + rng.Below(4);
        set_orig_metrics(p);
      }
      AppendRetweetOf(orig.author, ref, &main);
      head.lang = orig.lang;
      head.ref_type = "retweeted";
      head.ref_id = orig.id;
      head.retweets = orig.retweets;
      break;
    }
    case Kind::kReply: {
      RecentPost parent;
      if (!recent.empty() && rng.Chance(0.7)) {
        parent = recent[rng.Below(static_cast<std::uint32_t>(recent.size()))];
      } else {
        PoolEntry& p = pool[pool_zipf.Sample(rng.Next())];
        ++p.replies;
        parent = {p.id, p.id, p.author};
      }
      AppendMention(parent.author, &main);
      Rng cr(content_seed);
      Compose(&cr, own_lang, burst_refs, &main);
      head.conversation_id = parent.conversation_id;
      head.ref_type = "replied_to";
      head.ref_id = parent.id;
      head.is_reply = true;
      head.reply_to_user = parent.author;
      break;
    }
    case Kind::kQuote: {
      PoolEntry& p = take_pool_original();
      ++p.quotes;
      set_orig_metrics(p);
      Rng cr(content_seed);
      Compose(&cr, own_lang, burst_refs, &main);
      main.quote_author = orig.author;
      main.quote_id = orig.id;
      main.Separate(&rng, false);
      AppendUrl(kQuoteLinkRef, rng.Next(), &main);
      head.ref_type = "quoted";
      head.ref_id = orig.id;
      break;
    }
    case Kind::kPost: {
      Rng cr(content_seed);
      Compose(&cr, own_lang, burst_refs, &main);
      if (burst_refs.empty() && rng.Chance(0.005)) {
        pool[rng.Below(kPoolSize)] = {id, ms, content_seed, author, own_lang, 0, 0, 0, 0};
      }
      break;
    }
  }
  if (kind != Kind::kRetweet) {
    const RecentPost rp{id, head.conversation_id, author};
    if (recent.size() < kRecentSize) {
      recent.push_back(rp);
    } else {
      recent[recent_next] = rp;
      recent_next = (recent_next + 1) % kRecentSize;
    }
    if (rng.Chance(0.02)) {
      int matching = 0;
      for (const PlaceSpec& p : kPlaces) matching += p.lang == head.lang;
      const std::uint32_t pick = rng.Below(matching > 0 ? matching : std::size(kPlaces));
      int seen = 0;
      for (std::size_t i = 0; i < std::size(kPlaces); ++i) {
        if (matching > 0 && kPlaces[i].lang != head.lang) continue;
        if (seen++ == static_cast<int>(pick)) {
          head.place = static_cast<int>(i);
          break;
        }
      }
    }
  }

  // The line.
  out->append("{\"data\":"sv);
  WriteTweet(head, main, out);
  out->append(",\"includes\":{\"users\":["sv);
  users_out.clear();
  auto add_user = [&](std::uint32_t u) {
    if (std::find(users_out.begin(), users_out.end(), u) == users_out.end()) users_out.push_back(u);
  };
  add_user(author);
  if (has_orig) add_user(orig.author);
  for (const Entity& e : main.entities) {
    if (e.kind == EntityKind::kMention) add_user(e.ref);
  }
  for (std::size_t i = 0; i < users_out.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendUserObject(users_out[i], out);
  }
  out->push_back(']');
  if (has_orig) {
    out->append(",\"tweets\":["sv);
    WriteTweet(orig, ref, out);
    out->push_back(']');
  }
  if (head.place >= 0) {
    const PlaceSpec& p = kPlaces[head.place];
    out->append(",\"places\":[{\"full_name\":"sv);
    AppendJsonString(p.full_name, out);
    out->append(",\"id\":\""sv);
    out->append(p.id);
    out->append("\",\"country\":"sv);
    AppendJsonString(p.country, out);
    out->append(",\"country_code\":\""sv);
    out->append(p.country_code);
    out->append("\",\"geo\":{\"type\":\"Feature\",\"bbox\":"sv);
    out->append(p.bbox);
    out->append(",\"properties\":{}},\"name\":"sv);
    AppendJsonString(p.name, out);
    out->append(",\"place_type\":\""sv);
    out->append(p.place_type);
    out->append("\"}]"sv);
  }
  out->append("},\"matching_rules\":["sv);
  bool has_tags = false, has_urls = false;
  for (const Entity& e : main.entities) {
    has_tags |= e.kind == EntityKind::kHashtag;
    has_urls |= e.kind == EntityKind::kUrl;
  }
  const bool rule_on[3] = {true, has_tags, has_urls};
  bool first_rule = true;
  for (std::size_t i = 0; i < 3; ++i) {
    if (!rule_on[i]) continue;
    if (!first_rule) out->push_back(',');
    first_rule = false;
    out->append("{\"id\":\""sv);
    out->append(rule_ids[i]);
    out->append("\",\"tag\":\""sv);
    out->append(kRuleTags[i]);
    out->append("\"}"sv);
  }
  out->append("]}"sv);
  return t;
}

// ---------------------------------------------------------------------------

Result<std::unique_ptr<PostGenerator>> PostGenerator::Create(const GeneratorOptions& options) {
  STARLING_RETURN_IF_ERROR(Validate(options));
  return std::make_unique<PostGenerator>(options);
}

PostGenerator::PostGenerator(const GeneratorOptions& options) {
  if (Status st = Validate(options); !st.ok()) DieInvalid("PostGenerator", st);
  impl_ = std::make_unique<Impl>(options);
}

PostGenerator::~PostGenerator() = default;

TimestampUs PostGenerator::Next(std::string* out) { return impl_->Next(out); }
std::uint64_t PostGenerator::sequence() const { return impl_->seq; }
model::TimestampUs PostGenerator::arrival() const { return impl_->now_us; }
const std::vector<InjectedBurst>& PostGenerator::bursts() const { return impl_->bursts; }
const GeneratorOptions& PostGenerator::options() const { return impl_->opt; }

Status PostGenerator::Validate(const GeneratorOptions& o) {
  if (!(o.rate > 0 && o.rate <= 1e8)) return InvalidArgument("rate must be in (0, 1e8]");
  if (o.start < kMinStartUs)
    return InvalidArgument("start must be at or after 2019-01-01T00:00:00Z");
  if (o.start > 4102444800000000) return InvalidArgument("start must be before 2100-01-01");
  if (o.users < 1 || o.users > 10000000) return InvalidArgument("users must be in [1, 10000000]");
  if (o.hashtags < 1 || o.hashtags > 1000000) {
    return InvalidArgument("hashtags must be in [1, 1000000]");
  }
  if (!(o.burst_every_s >= 0 && o.burst_every_s <= 1e9)) {
    return InvalidArgument("burst_every must be in [0, 1e9] seconds");
  }
  if (o.burst_every_s > 0 && !(o.burst_duration_s > 0 && o.burst_duration_s <= 1e9)) {
    return InvalidArgument("burst_duration must be in (0, 1e9] seconds");
  }
  if (o.burst_every_s > 0 && o.burst_every_s < 1e-3) {
    return InvalidArgument("burst_every must be 0 or at least 0.001 seconds");
  }
  if (!(o.burst_share >= 0 && o.burst_share <= 1)) {
    return InvalidArgument("burst_share must be in [0, 1]");
  }
  return Status::Ok();
}

}  // namespace starling::source
