// File: parse/internal/entities.cc
// Entity arrays (X v2, v1.1 and normalized) and the small objects of a
// tweet: users, geo, places, matching rules, metrics and references.
#include "parse/internal/parser_impl.h"

namespace starling::parse {

void PostParser::Impl::ParseEntityArray(od::value v, EntityKind kind, Entities* out) {
  if (IsNull(v)) return;
  out->present = true;
  if (!Wanted(kind)) return;  // projected out: skipped unread
  for (od::value item : v.get_array()) {
    std::string* name = &unused_name;
    std::string* id = &unused_id;
    std::string* url = &unused_url;
    std::string* expanded = &unused_url;
    std::string* display = &unused_url;
    std::string* unwound = &unused_url;
    model::TextRange* range = nullptr;
    model::Url* u = nullptr;
    switch (kind) {
      case EntityKind::kHashtag: {
        model::Hashtag& h = out->hashtags.emplace_back();
        name = &h.tag;
        range = &h.range;
        break;
      }
      case EntityKind::kCashtag: {
        model::Cashtag& c = out->cashtags.emplace_back();
        name = &c.tag;
        range = &c.range;
        break;
      }
      case EntityKind::kMention: {
        model::Mention& m = out->mentions.emplace_back();
        name = &m.handle;
        id = &m.user_id;
        range = &m.range;
        break;
      }
      case EntityKind::kUrl: {
        u = &out->urls.emplace_back();
        url = &u->url;
        expanded = &u->expanded_url;
        display = &u->display_url;
        unwound = &u->unwound_url;
        range = &u->range;
        break;
      }
    }
    id->clear();  // the id rule below looks at what an earlier field left
    for (auto field : item.get_object()) {
      std::string_view key = Key(field);
      od::value fv = field.value();
      switch (Hash(key)) {
        case Hash("start"):
          if (!Is(key, "start")) break;
          range->start = Offset(fv.get_int64());
          break;
        case Hash("end"):
          if (!Is(key, "end")) break;
          range->end = Offset(fv.get_int64());
          break;
        case Hash("indices"):
          if (!Is(key, "indices")) break;
          {
            int i = 0;
            for (od::value x : fv.get_array()) {
              if (i == 0) range->start = Offset(x.get_int64());
              if (i == 1) range->end = Offset(x.get_int64());
              ++i;
            }
            break;
          }
        case Hash("tag"):
        case Hash("text"):
        case Hash("username"):
        case Hash("screen_name"):
        case Hash("handle"):
          if (!Is(key, "tag") && !Is(key, "text") && !Is(key, "username") &&
              !Is(key, "screen_name") && !Is(key, "handle"))
            break;
          *name = Str(fv);
          break;
        case Hash("id"):
        case Hash("id_str"):
          if (!Is(key, "id") && !Is(key, "id_str")) break;
          if (Is(key, "id_str") || id->empty()) IdInto(fv, id);
          break;
        case Hash("url"):
          if (!Is(key, "url")) break;
          StrOrEmpty(fv, url);
          break;
        case Hash("expanded_url"):
          if (!Is(key, "expanded_url")) break;
          StrOrEmpty(fv, expanded);
          break;
        case Hash("display_url"):
          if (!Is(key, "display_url")) break;
          StrOrEmpty(fv, display);
          break;
        case Hash("unwound_url"):
          if (!Is(key, "unwound_url")) break;
          StrOrEmpty(fv, unwound);
          break;
        default:
          break;
      }
    }
    if (u != nullptr && u->expanded_url.empty()) u->expanded_url = u->url;
  }
}

void PostParser::Impl::ParseEntities(od::value v, Entities* out) {
  if (IsNull(v)) return;
  out->present = true;
  if (!want_entities) return;  // projected out: skipped unread
  bool media = false;
  for (auto field : v.get_object()) {
    std::string_view key = Key(field);
    od::value fv = field.value();
    switch (Hash(key)) {
      case Hash("hashtags"):
        if (!Is(key, "hashtags")) break;
        ParseEntityArray(fv, EntityKind::kHashtag, out);
        break;
      case Hash("mentions"):
      case Hash("user_mentions"):
        if (!Is(key, "mentions") && !Is(key, "user_mentions")) break;
        ParseEntityArray(fv, EntityKind::kMention, out);
        break;
      case Hash("urls"):
        if (!Is(key, "urls")) break;
        ParseEntityArray(fv, EntityKind::kUrl, out);
        break;
      case Hash("media"):
        if (!Is(key, "media")) break;
        // v1.1 keeps photo links apart; v2 lists them with the URLs.
        ParseEntityArray(fv, EntityKind::kUrl, out);
        media = true;
        break;
      case Hash("cashtags"):
      case Hash("symbols"):
        if (!Is(key, "cashtags") && !Is(key, "symbols")) break;
        ParseEntityArray(fv, EntityKind::kCashtag, out);
        break;
      default:
        break;
    }
  }
  if (media && want_urls) {
    std::stable_sort(
        out->urls.begin(), out->urls.end(),
        [](const model::Url& a, const model::Url& b) { return a.range.start < b.range.start; });
  }
}

void PostParser::Impl::ParseV11User(od::value v, model::Author* a) {
  if (IsNull(v)) return;
  std::string id_num;
  for (auto field : v.get_object()) {
    std::string_view key = Key(field);
    od::value fv = field.value();
    switch (Hash(key)) {
      case Hash("id_str"):
        if (!Is(key, "id_str")) break;
        a->id = Str(fv);
        break;
      case Hash("id"):
        if (!Is(key, "id")) break;
        id_num = IdString(fv);
        break;
      case Hash("screen_name"):
        if (!Is(key, "screen_name")) break;
        a->handle = Str(fv);
        break;
      case Hash("name"):
        if (!Is(key, "name")) break;
        a->name = IsNull(fv) ? "" : std::string(Str(fv));
        break;
      default:
        break;
    }
  }
  if (a->id.empty()) a->id = std::move(id_num);
}

void PostParser::Impl::ParseStarlingAuthor(od::value v, model::Author* a) {
  for (auto field : v.get_object()) {
    std::string_view key = Key(field);
    od::value fv = field.value();
    if (IsNull(fv)) continue;
    if (Is(key, "id"))
      a->id = IdString(fv);
    else if (Is(key, "handle"))
      a->handle = Str(fv);
    else if (Is(key, "name"))
      a->name = Str(fv);
  }
}

void PostParser::Impl::ReadPoint(od::value v, bool lat_first, model::Geo* g) {
  double a = 0, b = 0;
  int i = 0;
  for (od::value x : v.get_array()) {
    if (i == 0) a = x.get_double();
    if (i == 1) b = x.get_double();
    ++i;
  }
  if (i < 2) throw Malformed("a point needs two coordinates");
  g->lon = lat_first ? b : a;
  g->lat = lat_first ? a : b;
}

void PostParser::Impl::ParseGeo(od::value v, model::Geo* g) {
  if (IsNull(v)) return;
  for (auto field : v.get_object()) {
    std::string_view key = Key(field);
    od::value fv = field.value();
    if (IsNull(fv)) continue;
    switch (Hash(key)) {
      case Hash("place_id"):
        if (!Is(key, "place_id")) break;
        g->place_id = Str(fv);
        break;
      case Hash("coordinates"):
        if (!Is(key, "coordinates")) break;
        if (fv.type() == od::json_type::array) {
          if (!g->lon) ReadPoint(fv, /*lat_first=*/true, g);  // v1.1 geo
        } else {
          for (auto f2 : fv.get_object()) {
            if (Is(Key(f2), "coordinates")) {
              ReadPoint(f2.value(), /*lat_first=*/false, g);
            }
          }
        }
        break;
      case Hash("lon"):
        if (!Is(key, "lon")) break;
        g->lon = fv.get_double();
        break;
      case Hash("lat"):
        if (!Is(key, "lat")) break;
        g->lat = fv.get_double();
        break;
      case Hash("place_name"):
        if (!Is(key, "place_name")) break;
        g->place_name = Str(fv);
        break;
      case Hash("country_code"):
        if (!Is(key, "country_code")) break;
        g->country_code = Str(fv);
        break;
      default:
        break;
    }
  }
}

void PostParser::Impl::ParseV11Coordinates(od::value v, model::Geo* g) {
  if (IsNull(v)) return;
  for (auto field : v.get_object()) {
    if (Is(Key(field), "coordinates")) {
      ReadPoint(field.value(), /*lat_first=*/false, g);
    }
  }
}

void PostParser::Impl::ParsePlace(od::value v, std::string* id, Place* p) {
  if (IsNull(v)) return;
  for (auto field : v.get_object()) {
    std::string_view key = Key(field);
    od::value fv = field.value();
    if (IsNull(fv)) continue;
    if (Is(key, "id"))
      *id = Str(fv);
    else if (Is(key, "full_name"))
      p->name = Str(fv);
    else if (Is(key, "country_code"))
      p->country = Str(fv);
  }
}

void PostParser::Impl::ParseRules(od::value v, std::vector<model::MatchingRule>* out) {
  if (IsNull(v)) return;
  for (od::value item : v.get_array()) {
    model::MatchingRule& r = out->emplace_back();  // filled in place
    std::string id_str;
    for (auto field : item.get_object()) {
      std::string_view key = Key(field);
      od::value fv = field.value();
      if (Is(key, "id"))
        IdInto(fv, &r.id);
      else if (Is(key, "id_str"))
        StrOrEmpty(fv, &id_str);
      else if (Is(key, "tag") && !IsNull(fv))
        r.tag = Str(fv);
    }
    if (!id_str.empty()) r.id = std::move(id_str);
  }
}

void PostParser::Impl::ParseV2Metrics(od::value v, model::PublicMetrics* m) {
  for (auto field : v.get_object()) {
    std::string_view key = Key(field);
    od::value fv = field.value();
    switch (Hash(key)) {
      case Hash("retweet_count"):
      case Hash("reposts"):
        if (!Is(key, "retweet_count") && !Is(key, "reposts")) break;
        m->reposts = OptInt(fv, key);
        break;
      case Hash("reply_count"):
      case Hash("replies"):
        if (!Is(key, "reply_count") && !Is(key, "replies")) break;
        m->replies = OptInt(fv, key);
        break;
      case Hash("like_count"):
      case Hash("likes"):
        if (!Is(key, "like_count") && !Is(key, "likes")) break;
        m->likes = OptInt(fv, key);
        break;
      case Hash("quote_count"):
      case Hash("quotes"):
        if (!Is(key, "quote_count") && !Is(key, "quotes")) break;
        m->quotes = OptInt(fv, key);
        break;
      case Hash("impression_count"):
      case Hash("impressions"):
        if (!Is(key, "impression_count") && !Is(key, "impressions")) break;
        m->impressions = OptInt(fv, key);
        break;
      default:
        break;
    }
  }
}

void PostParser::Impl::ParseStarlingRefs(od::value v, TweetBuilder* b) {
  for (od::value item : v.get_array()) {
    std::string type, id;
    for (auto field : item.get_object()) {
      std::string_view key = Key(field);
      if (Is(key, "type"))
        type = Str(field.value());
      else if (Is(key, "id"))
        id = IdString(field.value());
    }
    auto t = model::ReferenceTypeFromName(type);
    if (!t) throw Malformed("unknown reference type '" + type + "'");
    b->post.references.push_back({*t, std::move(id)});
  }
  b->has_v2_refs = true;
}

}  // namespace starling::parse
