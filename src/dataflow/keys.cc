#include "dataflow/keys.h"

#include <algorithm>

#include "text/case.h"
#include "text/sentiment.h"
#include "text/tokenize.h"

namespace starling::dataflow {

Result<DimensionRef> ParseDimension(std::string_view text) {
  struct Name {
    std::string_view name;
    Dimension dim;
  };
  static constexpr Name kNames[] = {
      {"all", Dimension::kAll},         {"lang", Dimension::kLang},
      {"language", Dimension::kLang},   {"provider", Dimension::kProvider},
      {"kind", Dimension::kKind},       {"hashtag", Dimension::kHashtag},
      {"mention", Dimension::kMention}, {"url", Dimension::kUrl},
      {"domain", Dimension::kDomain},   {"cashtag", Dimension::kCashtag},
      {"word", Dimension::kWord},       {"author", Dimension::kAuthor},
      {"user", Dimension::kAuthor},     {"rule", Dimension::kRule},
      {"channel", Dimension::kChannel}, {"repo", Dimension::kChannel},
      {"group", Dimension::kChannel},
  };
  DimensionRef ref;
  if (text.starts_with("label:") && text.size() > 6) {
    ref.dim = Dimension::kLabel;
    ref.label = std::string(text.substr(6));
    return ref;
  }
  std::string_view singular = text;
  if (singular.size() > 1 && singular.back() == 's' && singular != "kinds") {
    singular.remove_suffix(1);
  }
  for (const Name& n : kNames) {
    if (n.name == text || n.name == singular) {
      ref.dim = n.dim;
      return ref;
    }
  }
  if (text == "kinds") return DimensionRef{Dimension::kKind, {}};
  return InvalidArgument("unknown dimension '" + std::string(text) +
                         "' (use all, lang, provider, kind, hashtag, mention, url, domain, "
                         "cashtag, word, author, rule, channel (repo, group) or label:NAME)");
}

std::string DimensionName(const DimensionRef& d) {
  switch (d.dim) {
    case Dimension::kAll:
      return "all";
    case Dimension::kLang:
      return "lang";
    case Dimension::kProvider:
      return "provider";
    case Dimension::kKind:
      return "kind";
    case Dimension::kHashtag:
      return "hashtag";
    case Dimension::kMention:
      return "mention";
    case Dimension::kUrl:
      return "url";
    case Dimension::kDomain:
      return "domain";
    case Dimension::kCashtag:
      return "cashtag";
    case Dimension::kWord:
      return "word";
    case Dimension::kAuthor:
      return "author";
    case Dimension::kRule:
      return "rule";
    case Dimension::kChannel:
      return "channel";
    case Dimension::kLabel:
      return "label:" + d.label;
  }
  return "?";
}

void PostFeatures::Clear() {
  hashtags.clear();
  words.clear();
  labels.clear();
  has_sentiment = false;
  compound = pos = neu = neg = 0;
}

FeatureNeeds NeedsOf(const DimensionRef& d) {
  FeatureNeeds n;
  n.hashtags = d.dim == Dimension::kHashtag;
  n.words = d.dim == Dimension::kWord;
  return n;
}

void LowerInto(std::string_view in, std::string* out) {
  out->assign(in);
  bool ascii = true;
  for (char& c : *out) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!ascii) *out = text::LowerTag(in);
}

std::string_view UrlHost(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  const std::size_t end = url.find_first_of("/?#:");
  if (end != std::string_view::npos) url = url.substr(0, end);
  const std::size_t at = url.rfind('@');
  if (at != std::string_view::npos) url.remove_prefix(at + 1);
  if (url.size() > 4 && (url.starts_with("www.") || url.starts_with("WWW."))) url.remove_prefix(4);
  return url;
}

namespace {

void AddDistinct(std::vector<std::string>* list, std::size_t* used, std::string_view value) {
  for (std::size_t i = 0; i < *used; ++i) {
    if ((*list)[i] == value) return;
  }
  if (*used == list->size()) list->emplace_back();
  (*list)[*used].assign(value);
  ++*used;
}

}  // namespace

void ComputeFeatures(const model::Post& post, const FeatureNeeds& needs, PostFeatures* f) {
  if (needs.hashtags) {
    std::size_t used = 0;
    std::string lowered;
    for (const model::Hashtag& h : post.hashtags) {
      LowerInto(h.tag, &lowered);
      AddDistinct(&f->hashtags, &used, lowered);
    }
    f->hashtags.resize(used);
  } else {
    f->hashtags.clear();
  }
  if (needs.words) {
    std::size_t used = 0;
    text::ForEachWord(post.text, text::WordOptions{},
                      [&](std::string_view w) { AddDistinct(&f->words, &used, w); });
    f->words.resize(used);
  } else {
    f->words.clear();
  }
  if (needs.sentiment) {
    const text::SentimentScores s = text::SentimentAnalyzer::Default().Score(post.text);
    f->has_sentiment = true;
    f->compound = s.compound;
    f->pos = s.pos;
    f->neu = s.neu;
    f->neg = s.neg;
  } else {
    f->has_sentiment = false;
  }
}

}  // namespace starling::dataflow
