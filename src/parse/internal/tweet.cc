// File: parse/internal/tweet.cc
// One tweet object, whatever its dialect: every field through one switch,
// then the post it becomes (texts, entities, references).
#include "parse/internal/parser_impl.h"

namespace starling::parse {

void PostParser::Impl::ParseNested(od::value v, TweetBuilder* b, model::ReferenceType type) {
  if (IsNull(v)) return;
  const char* start = v.raw_json_token().data();
  TweetBuilder& child = NewBuilder();
  ParseTweetObject(v.get_object(), &child);
  std::string_view span = ElementSpan(start);
  Finish(child, span);
  if (type == model::ReferenceType::kReposted) b->reposted_id = child.post.id;
  if (type == model::ReferenceType::kQuoted) b->quoted_id = child.post.id;
  if (options.include_referenced) {
    b->children.push_back(std::move(child.post));
    for (auto& g : child.children) b->children.push_back(std::move(g));
  }
}

void PostParser::Impl::TextField(od::value v, std::string* out, std::string_view* raw, bool* has) {
  if (want_text) {
    *out = Str(v);
  } else {
    if (v.type() != od::json_type::string) {
      throw simdjson::simdjson_error(simdjson::INCORRECT_TYPE);  // as Str would
    }
    *raw = v.raw_json_token();
  }
  *has = true;
}

void PostParser::Impl::DecodeText(std::string_view token, std::string* out) {
  text_buf.assign(token);
  text_buf.append(simdjson::SIMDJSON_PADDING, ' ');
  od::document d = text_parser.iterate(text_buf.data(), token.size(), text_buf.size());
  *out = std::string_view(d.get_string());
}

void PostParser::Impl::HandleTweetField(std::string_view key, od::value v, TweetBuilder* b) {
  switch (Hash(key)) {
    case Hash("id"):
      if (!Is(key, "id")) break;
      if (!Is(key, "id")) break;
      if (v.type() == od::json_type::number) {
        IdInto(v, &b->id_num);
      } else {
        IdInto(v, &b->id);
      }
      break;
    case Hash("id_str"):
      if (!Is(key, "id_str")) break;
      b->id_str = Str(v);
      b->dialect = Dialect::kV11;
      break;
    case Hash("text"):
      if (!Is(key, "text")) break;
      TextField(v, &b->text, &b->text_raw, &b->has_text);
      break;
    case Hash("full_text"):
      if (!Is(key, "full_text")) break;
      TextField(v, &b->full_text, &b->full_text_raw, &b->has_full_text);
      break;
    case Hash("created_at"):
      if (!Is(key, "created_at") || !want_time) break;
      b->post.created_at = TimeOf(v, "created_at");
      b->has_created = true;
      break;
    case Hash("author_id"):
      if (!Is(key, "author_id")) break;
      if (want_author) IdInto(v, &b->post.author.id);
      if (b->dialect == Dialect::kUnknown) b->dialect = Dialect::kV2;
      break;
    case Hash("user"):
      if (!Is(key, "user")) break;
      if (want_author) ParseV11User(v, &b->post.author);
      b->dialect = Dialect::kV11;
      break;
    case Hash("author"):
      if (!Is(key, "author")) break;
      if (want_author) ParseStarlingAuthor(v, &b->post.author);
      b->dialect = Dialect::kStarling;
      break;
    case Hash("lang"):
      if (!Is(key, "lang") || !want_lang) break;
      if (!IsNull(v)) b->post.lang = Str(v);
      break;
    case Hash("entities"):
      if (!Is(key, "entities")) break;
      ParseEntities(v, &b->ents);
      break;
    case Hash("extended_tweet"):
      if (!Is(key, "extended_tweet")) break;
      for (auto field : v.get_object()) {
        std::string_view k2 = Key(field);
        if (Is(k2, "full_text")) {
          TextField(field.value(), &b->ext_text, &b->ext_text_raw, &b->has_ext_text);
        } else if (Is(k2, "entities")) {
          ParseEntities(field.value(), &b->ext_ents);
        }
      }
      break;
    case Hash("note_tweet"):
      if (!Is(key, "note_tweet")) break;
      for (auto field : v.get_object()) {
        std::string_view k2 = Key(field);
        if (Is(k2, "text")) {
          TextField(field.value(), &b->note_text, &b->note_text_raw, &b->has_note_text);
        } else if (Is(k2, "entities")) {
          ParseEntities(field.value(), &b->note_ents);
        }
      }
      break;
    case Hash("referenced_tweets"):
      if (!Is(key, "referenced_tweets")) break;
      if (!want_refs) {
        b->has_v2_refs = true;
        b->dialect = Dialect::kV2;
        break;
      }
      for (od::value item : v.get_array()) {
        // Filled in place; dropped again when the type is one we do not know.
        model::Reference& r = b->post.references.emplace_back();
        std::string_view type;
        for (auto field : item.get_object()) {
          std::string_view k2 = Key(field);
          if (Is(k2, "type"))
            type = Str(field.value());
          else if (Is(k2, "id"))
            IdInto(field.value(), &r.id);
        }
        auto t = model::ReferenceTypeFromName(type);
        if (t) {
          r.type = *t;
        } else {
          b->post.references.pop_back();
        }
      }
      b->has_v2_refs = true;
      b->dialect = Dialect::kV2;
      break;
    case Hash("references"):
      if (!Is(key, "references")) break;
      if (want_refs) {
        ParseStarlingRefs(v, b);
      } else {
        b->has_v2_refs = true;
      }
      break;
    case Hash("in_reply_to_status_id_str"):
      if (!Is(key, "in_reply_to_status_id_str") || !want_refs) break;
      if (!IsNull(v)) b->reply_to = Str(v);
      break;
    case Hash("in_reply_to_status_id"):
      if (!Is(key, "in_reply_to_status_id") || !want_refs) break;
      if (!IsNull(v) && b->reply_to.empty()) IdInto(v, &b->reply_to);
      break;
    case Hash("quoted_status_id_str"):
      if (!Is(key, "quoted_status_id_str") || !want_refs) break;
      if (!IsNull(v)) b->quoted_id = Str(v);
      break;
    case Hash("retweeted_status"):
      if (!Is(key, "retweeted_status") || !want_refs) break;
      ParseNested(v, b, model::ReferenceType::kReposted);
      break;
    case Hash("quoted_status"):
      if (!Is(key, "quoted_status") || !want_refs) break;
      ParseNested(v, b, model::ReferenceType::kQuoted);
      break;
    case Hash("public_metrics"):
    case Hash("metrics"):
      if ((!Is(key, "public_metrics") && !Is(key, "metrics")) || !want_metrics) break;
      ParseV2Metrics(v, &b->post.metrics);
      break;
    case Hash("retweet_count"):
      if (!Is(key, "retweet_count") || !want_metrics) break;
      b->post.metrics.reposts = OptInt(v, key);
      break;
    case Hash("favorite_count"):
      if (!Is(key, "favorite_count") || !want_metrics) break;
      b->post.metrics.likes = OptInt(v, key);
      break;
    case Hash("reply_count"):
      if (!Is(key, "reply_count") || !want_metrics) break;
      b->post.metrics.replies = OptInt(v, key);
      break;
    case Hash("quote_count"):
      if (!Is(key, "quote_count") || !want_metrics) break;
      b->post.metrics.quotes = OptInt(v, key);
      break;
    case Hash("geo"):
      if (!Is(key, "geo") || !want_geo) break;
      ParseGeo(v, &b->post.geo);
      break;
    case Hash("coordinates"):
      if (!Is(key, "coordinates") || !want_geo) break;
      ParseV11Coordinates(v, &b->post.geo);
      break;
    case Hash("place"):
      if (!Is(key, "place") || !want_geo) break;
      {
        Place p;
        ParsePlace(v, &b->post.geo.place_id, &p);
        b->post.geo.place_name = std::move(p.name);
        b->post.geo.country_code = std::move(p.country);
        break;
      }
    case Hash("matching_rules"):
      if (!Is(key, "matching_rules") || !want_rules) break;
      ParseRules(v, &b->post.matching_rules);
      break;
    case Hash("provider"):
      if (!Is(key, "provider")) break;
      {
        auto p = model::ProviderFromName(Str(v));
        if (!p) throw Malformed("unknown provider");
        b->post.provider = *p;
        b->dialect = Dialect::kStarling;
        break;
      }
    case Hash("hashtags"):
      if (!Is(key, "hashtags")) break;
      ParseEntityArray(v, EntityKind::kHashtag, &b->ents);
      break;
    case Hash("mentions"):
      if (!Is(key, "mentions")) break;
      ParseEntityArray(v, EntityKind::kMention, &b->ents);
      break;
    case Hash("urls"):
      if (!Is(key, "urls")) break;
      ParseEntityArray(v, EntityKind::kUrl, &b->ents);
      break;
    case Hash("cashtags"):
      if (!Is(key, "cashtags")) break;
      ParseEntityArray(v, EntityKind::kCashtag, &b->ents);
      break;
    case Hash("kind"):
      if (!Is(key, "kind")) break;
      b->kind_name = Str(v);
      break;
    case Hash("channel"):
      if (!Is(key, "channel")) break;
      b->post.channel = Str(v);
      break;
    // Field names no X or starling post has at its top: a GitHub event
    // (actor, repo, payload), a Jetstream event (did, time_us, commit,
    // identity), a Mastodon status (account, content, reblog, visibility) or
    // streaming event (stream). The record is read again as what it is.
    case Hash("actor"):
    case Hash("repo"):
    case Hash("payload"):
    case Hash("did"):
    case Hash("time_us"):
    case Hash("commit"):
    case Hash("identity"):
    case Hash("account"):
    case Hash("content"):
    case Hash("reblog"):
    case Hash("visibility"):
    case Hash("stream"):
      if (Is(key, "actor") || Is(key, "repo") || Is(key, "payload") || Is(key, "did") ||
          Is(key, "time_us") || Is(key, "commit") || Is(key, "identity") || Is(key, "account") ||
          Is(key, "content") || Is(key, "reblog") || Is(key, "visibility") || Is(key, "stream")) {
        other_provider = true;
      }
      break;
    case Hash("entities_extracted"):
      if (!Is(key, "entities_extracted")) break;
      b->post.entities_extracted = v.get_bool();
      break;
    case Hash("source_format"):
      if (!Is(key, "source_format")) break;
      b->post.source_format = Str(v);
      break;
    case Hash("raw"):
      if (!Is(key, "raw")) break;
      b->post.raw = Str(v);
      break;
    default:
      break;
  }
}

void PostParser::Impl::ParseTweetObject(od::object obj, TweetBuilder* b) {
  for (auto field : obj) {
    std::string_view key = Key(field);
    HandleTweetField(key, field.value(), b);
    if (other_provider) return;  // not a tweet: the record is read again
  }
}

void KindFromReferences(Post* p) {
  p->kind = model::PostKind::kPost;
  for (auto t : {model::ReferenceType::kReposted, model::ReferenceType::kQuoted,
                 model::ReferenceType::kRepliedTo}) {
    bool has = std::any_of(p->references.begin(), p->references.end(),
                           [t](const model::Reference& r) { return r.type == t; });
    if (has) {
      p->kind = t == model::ReferenceType::kReposted ? model::PostKind::kRepost
                : t == model::ReferenceType::kQuoted ? model::PostKind::kQuote
                                                     : model::PostKind::kReply;
      return;
    }
  }
}

void PostParser::Impl::ApplyEntities(Entities& e, Post* p) {
  p->hashtags.swap(e.hashtags);
  p->mentions.swap(e.mentions);
  p->urls.swap(e.urls);
  p->cashtags.swap(e.cashtags);
}

void PostParser::Impl::ExtractInto(Post* p) {
  AppendExtracted(p, nullptr, false);
  p->entities_extracted = true;
}

void PostParser::Impl::Finish(TweetBuilder& b, std::string_view raw) {
  Post& p = b.post;
  finished_formats.push_back(b.dialect == Dialect::kStarling ? Format::kStarling
                             : b.dialect == Dialect::kV11    ? Format::kXV11
                                                             : Format::kXV2);
  if (b.dialect == Dialect::kStarling) {
    if (b.id.empty()) b.id = b.id_num;
    p.id = std::move(b.id);
  } else {
    p.id = !b.id_str.empty() ? std::move(b.id_str)
           : !b.id.empty()   ? std::move(b.id)
                             : std::move(b.id_num);
  }
  if (p.id.empty()) throw Malformed("not a post: no id");
  std::string_view text_raw;  // the chosen text's JSON token, without kText
  if (b.has_note_text) {
    // The top-level entities index the truncated text: never use them for
    // the note text (extraction fills in below when the note has none).
    p.text = std::move(b.note_text);
    text_raw = b.note_text_raw;
    ApplyEntities(b.note_ents, &p);
  } else if (b.has_ext_text) {
    p.text = std::move(b.ext_text);
    text_raw = b.ext_text_raw;
    ApplyEntities(b.ext_ents.present ? b.ext_ents : b.ents, &p);
  } else if (b.has_full_text) {
    p.text = std::move(b.full_text);
    text_raw = b.full_text_raw;
    ApplyEntities(b.ents, &p);
  } else if (b.has_text) {
    p.text = std::move(b.text);
    text_raw = b.text_raw;
    ApplyEntities(b.ents, &p);
  } else {
    throw Malformed("not a post: no text");
  }
  DropBadRanges(&p, want_text);
  bool had_entities = b.has_note_text ? b.note_ents.present : b.ents.present || b.ext_ents.present;
  if (b.dialect == Dialect::kStarling) {
    if (p.provider == model::Provider::kUnknown) p.provider = model::Provider::kX;
  } else {
    p.provider = model::Provider::kX;
    p.source_format = b.dialect == Dialect::kV11 ? "x-v11" : "x-v2";
    if (!had_entities && extract) {
      if (!want_text) DecodeText(text_raw, &p.text);
      ExtractInto(&p);
    }
    // References from v1.1 fields, then canonical order.
    if (!b.has_v2_refs) {
      // A v1.1 retweet repeats its original's quote at the top level; v2
      // (and we) keep only the retweet reference, the quote belongs to the
      // original.
      if (!b.reposted_id.empty()) {
        p.references.push_back({model::ReferenceType::kReposted, b.reposted_id});
      } else {
        if (!b.quoted_id.empty())
          p.references.push_back({model::ReferenceType::kQuoted, b.quoted_id});
        if (!b.reply_to.empty())
          p.references.push_back({model::ReferenceType::kRepliedTo, b.reply_to});
      }
    }
    // (Only when there is something to order: libstdc++'s stable_sort
    // allocates a buffer even for a single element.)
    if (p.references.size() > 1) {
      std::stable_sort(p.references.begin(), p.references.end(),
                       [](const model::Reference& x, const model::Reference& y) {
                         return static_cast<int>(x.type) < static_cast<int>(y.type);
                       });
    }
    if (options.keep_raw) p.raw.assign(raw);
  }
  if (!b.has_created && want_time) p.created_at = SnowflakeTime(p.id);
  KindFromReferences(&p);
  // A starling post of a provider activity kind (push, star, event, ...)
  // keeps it: those kinds do not come from references. The reference kinds
  // are always derived, as before.
  if (b.dialect == Dialect::kStarling && !b.kind_name.empty()) {
    auto k = model::PostKindFromName(b.kind_name);
    if (!k) throw Malformed("unknown kind '" + b.kind_name + "'");
    if (!model::IsReferenceKind(*k) && want_refs) p.kind = *k;
  }
}

}  // namespace starling::parse
