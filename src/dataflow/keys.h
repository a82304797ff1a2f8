// File: dataflow/keys.h
// The dimensions an analysis groups posts by ("by: hashtag"), and the per-post
// features several analyses share (lower-cased entities, words, sentiment),
// computed once per post in the parallel stage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/post.h"

namespace starling::dataflow {

enum class Dimension : std::uint8_t {
  kAll,       // one key, "*": every post
  kLang,      // post.lang ("und" when empty)
  kProvider,  // "x", "github", ...
  kKind,      // "post", "repost", "reply", "quote", "push", "event", ... (model::PostKind)
  kHashtag,   // each distinct hashtag of the post, lower-cased
  kMention,   // each mentioned handle, lower-cased
  kUrl,       // each URL: unwound, else expanded, else as written
  kDomain,    // the host of each URL, lower-cased, without "www."
  kCashtag,   // each cashtag, upper-cased
  kWord,      // each distinct word of the text (text/tokenize.h rules)
  kAuthor,    // author handle, lower-cased (author id when no handle)
  kRule,      // each matching-rule tag (rule id when untagged)
  kLabel,     // a field added by a stream-table join ("label:NAME")
  kChannel,   // post.channel: GitHub repository, Meetup group (none when empty)
};

struct DimensionRef {
  Dimension dim = Dimension::kAll;
  std::string label;  // for kLabel
  bool operator==(const DimensionRef&) const = default;
};

// "all", "lang", "provider", "kind", "hashtag", "mention", "url", "domain",
// "cashtag", "word", "author", "rule", "channel" (aliases "repo", "group"),
// "label:NAME" (plurals accepted).
Result<DimensionRef> ParseDimension(std::string_view text);
std::string DimensionName(const DimensionRef& d);

// What the stage-1 code computes for a post, once, when some analysis needs it.
struct PostFeatures {
  std::vector<std::string> hashtags;  // lower-cased, distinct, in order of appearance
  std::vector<std::string> words;     // lower-cased, distinct, in order of appearance
  std::vector<std::pair<std::string, std::string>> labels;  // from joins
  bool has_sentiment = false;
  double compound = 0, pos = 0, neu = 0, neg = 0;
  void Clear();
};

struct FeatureNeeds {
  bool hashtags = false;
  bool words = false;
  bool sentiment = false;
  void Add(const FeatureNeeds& o) {
    hashtags |= o.hashtags;
    words |= o.words;
    sentiment |= o.sentiment;
  }
};

FeatureNeeds NeedsOf(const DimensionRef& d);

// Fills `features` for `post` as far as `needs` asks (labels are the join's).
void ComputeFeatures(const model::Post& post, const FeatureNeeds& needs, PostFeatures* features);

// Calls emit(key) for every key of `post` along `d` (distinct keys, each once).
// `scratch` is reused between calls. Keys are views valid during the call.
template <typename Emit>
void ForEachKey(const model::Post& post, const PostFeatures& f, const DimensionRef& d,
                std::string* scratch, Emit&& emit);

// Lower-cases UTF-8 (ASCII fast path; ICU root-locale full lower-casing
// otherwise) into *out.
void LowerInto(std::string_view in, std::string* out);

// Host of a URL, lower-cased, without a leading "www."; empty if none.
std::string_view UrlHost(std::string_view url);

// ----- implementation -----

template <typename Emit>
void ForEachKey(const model::Post& post, const PostFeatures& f, const DimensionRef& d,
                std::string* scratch, Emit&& emit) {
  switch (d.dim) {
    case Dimension::kAll:
      emit(std::string_view("*"));
      return;
    case Dimension::kLang:
      emit(post.lang.empty() ? std::string_view("und") : std::string_view(post.lang));
      return;
    case Dimension::kProvider:
      emit(model::ProviderName(post.provider));
      return;
    case Dimension::kKind:
      emit(model::PostKindName(post.kind));
      return;
    case Dimension::kHashtag:
      for (const std::string& h : f.hashtags) emit(std::string_view(h));
      return;
    case Dimension::kWord:
      for (const std::string& w : f.words) emit(std::string_view(w));
      return;
    case Dimension::kMention:
      for (std::size_t i = 0; i < post.mentions.size(); ++i) {
        LowerInto(post.mentions[i].handle, scratch);
        bool seen = false;
        for (std::size_t j = 0; j < i && !seen; ++j) {
          std::string other;
          LowerInto(post.mentions[j].handle, &other);
          seen = other == *scratch;
        }
        if (!seen) emit(std::string_view(*scratch));
      }
      return;
    case Dimension::kUrl:
    case Dimension::kDomain:
      for (std::size_t i = 0; i < post.urls.size(); ++i) {
        const model::Url& u = post.urls[i];
        std::string_view v = !u.unwound_url.empty()    ? std::string_view(u.unwound_url)
                             : !u.expanded_url.empty() ? std::string_view(u.expanded_url)
                                                       : std::string_view(u.url);
        if (d.dim == Dimension::kDomain) {
          LowerInto(UrlHost(v), scratch);
          v = *scratch;
          if (v.empty()) continue;
        }
        emit(v);
      }
      return;
    case Dimension::kCashtag:
      for (const model::Cashtag& c : post.cashtags) {
        scratch->assign(c.tag);
        for (char& ch : *scratch) {
          if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
        }
        emit(std::string_view(*scratch));
      }
      return;
    case Dimension::kAuthor:
      if (!post.author.handle.empty()) {
        LowerInto(post.author.handle, scratch);
        emit(std::string_view(*scratch));
      } else if (!post.author.id.empty()) {
        emit(std::string_view(post.author.id));
      }
      return;
    case Dimension::kRule:
      for (const model::MatchingRule& r : post.matching_rules) {
        emit(r.tag.empty() ? std::string_view(r.id) : std::string_view(r.tag));
      }
      return;
    case Dimension::kChannel:
      if (!post.channel.empty()) emit(std::string_view(post.channel));
      return;
    case Dimension::kLabel:
      for (const auto& [name, value] : f.labels) {
        if (name == d.label) emit(std::string_view(value));
      }
      return;
  }
}

}  // namespace starling::dataflow
