// File: parse/internal/envelope.cc
// The top of a record: X v2 pages and envelopes (data, includes, errors,
// matching rules), v1.1 search pages and arrays, and control messages.
#include "parse/internal/parser_impl.h"

namespace starling::parse {

void PostParser::Impl::ParseIncludes(od::value v) {
  for (auto field : v.get_object()) {
    std::string_view key = Key(field);
    od::value fv = field.value();
    if (Is(key, "users") && want_author) {
      where = "includes.users";
      for (od::value u : fv.get_array()) {
        User user;
        for (auto f2 : u.get_object()) {
          std::string_view k2 = Key(f2);
          if (Is(k2, "id")) {
            od::value idv = f2.value();
            user.id = idv.type() == od::json_type::string ? Str(idv) : Trim(idv.raw_json_token());
          } else if (Is(k2, "username")) {
            user.handle = Str(f2.value());
          } else if (Is(k2, "name")) {
            user.name = Str(f2.value());
          }
          // The rest of a user object (profile, metrics) is not needed:
          // leave it for simdjson to skip in one go.
          if (!user.id.empty() && !user.handle.empty() && !user.name.empty()) break;
        }
        users.push_back(user);
      }
    } else if (Is(key, "places") && want_geo) {
      where = "includes.places";
      for (od::value pl : fv.get_array()) {
        std::string id;
        Place place;
        ParsePlace(pl, &id, &place);
        places.emplace(std::move(id), std::move(place));
      }
    } else if (Is(key, "tweets") && options.include_referenced) {
      where = "includes.tweets";
      for (od::value t : fv.get_array()) {
        const char* start = t.raw_json_token().data();
        TweetBuilder& b = NewBuilder();
        ParseTweetObject(t.get_object(), &b);
        b.span = ElementSpan(start);
        included.push_back(&b);
        included_done.push_back(false);
      }
    }
  }
}

void PostParser::Impl::ParseTweetArray(od::value v, const char* what) {
  for (od::value t : v.get_array()) {
    where = what;
    const char* start = t.raw_json_token().data();
    TweetBuilder& b = NewBuilder();
    ParseTweetObject(t.get_object(), &b);
    b.span = ElementSpan(start);
    tweets.push_back(&b);
  }
}

void PostParser::Impl::Join(Post* p) {
  if (p->author.handle.empty() && !p->author.id.empty()) {
    for (const User& u : users) {
      if (u.id == p->author.id) {
        p->author.handle = u.handle;
        p->author.name = u.name;
        break;
      }
    }
  }
  if (!p->geo.place_id.empty() && p->geo.place_name.empty()) {
    auto it = places.find(p->geo.place_id);
    if (it != places.end()) {
      p->geo.place_name = it->second.name;
      p->geo.country_code = it->second.country;
    }
  }
}

void PostParser::Impl::Emit(TweetBuilder& b, std::string_view raw, bool apply_rules) {
  Finish(b, raw);
  Post& p = b.post;
  if (apply_rules && p.matching_rules.empty()) p.matching_rules = rules;
  Join(&p);
  std::vector<std::string> refs;
  if (options.include_referenced) {
    for (const auto& r : p.references) refs.push_back(r.id);
  }
  Output(p);
  for (auto& c : b.children) {
    Join(&c);
    Output(c);
  }
  for (const auto& id : refs) {
    for (std::size_t i = 0; i < included.size(); ++i) {
      TweetBuilder& inc = *included[i];
      if (included_done[i] || (inc.id != id && inc.id_str != id)) continue;
      included_done[i] = true;  // each included tweet is emitted once per record
      Finish(inc, inc.span);
      Join(&inc.post);
      Output(inc.post);
    }
  }
}

std::string PostParser::Impl::Summary(std::string_view raw_value) {
  constexpr std::size_t kMax = 200;
  return std::string(raw_value.substr(0, kMax));
}

void PostParser::Impl::ParseTopObject(od::object obj, std::vector<ControlMessage>* controls) {
  TweetBuilder* bare = nullptr;  // a bare tweet object: taken at its first tweet field
  bool envelope = false, page = false;
  std::string control_kind, control_detail, compliance_action;
  std::vector<ControlMessage> errors;
  bool graphql_errors = false;
  std::string_view single_tweet_raw;
  for (auto field : obj) {
    std::string_view key = Key(field);
    od::value v = field.value();
    switch (Hash(key)) {
      case Hash("data"):
        if (!Is(key, "data")) break;
        envelope = true;
        where = "data";
        if (v.type() == od::json_type::array) {
          ParseTweetArray(v, "data[]");
        } else if (v.type() == od::json_type::object) {
          TweetBuilder& b = NewBuilder();
          ParseTweetObject(v.get_object(), &b);
          if (b.id.empty() && b.id_str.empty() && b.id_num.empty() && !b.has_text &&
              !b.has_full_text && !b.has_note_text && !b.has_ext_text) {
            other_provider = true;  // no tweet: a GraphQL response's data (Meetup)
            break;
          }
          tweets.push_back(&b);
          single_tweet_raw = record;
        } else if (!IsNull(v)) {
          throw Malformed("expected an object or array");
        }
        stopped_early = stop_after_data && !tweets.empty();
        break;
      case Hash("includes"):
        if (!Is(key, "includes")) break;
        envelope = true;
        where = "includes";
        // Projected out entirely when nothing joins from it: skipped unread.
        if (want_author || want_geo || options.include_referenced) ParseIncludes(v);
        break;
      case Hash("matching_rules"):
        if (!Is(key, "matching_rules") || !want_rules) break;
        where = "matching_rules";
        ParseRules(v, &rules);
        break;
      case Hash("errors"):
        if (!Is(key, "errors")) break;
        where = "errors";
        for (od::value e : v.get_array()) {
          ControlMessage m;
          std::string code;
          bool has_code = false;
          for (auto f2 : e.get_object()) {
            std::string_view k2 = Key(f2);
            od::value v2 = f2.value();
            if (Is(k2, "code")) has_code = true;
            if (Is(k2, "code") && v2.type() == od::json_type::number) {
              code = std::string(Trim(v2.raw_json_token()));  // v1.1 REST errors
            }
            if (v2.type() != od::json_type::string) continue;
            if (Is(k2, "title"))
              m.kind = Str(v2);
            else if (Is(k2, "detail") || (Is(k2, "message") && m.detail.empty()))
              m.detail = Str(v2);
          }
          // Neither a v2 title nor a v1.1 code: a GraphQL error (Meetup),
          // {message, locations, path, extensions}.
          if (m.kind.empty() && !has_code) graphql_errors = true;
          if (m.kind.empty()) m.kind = code.empty() ? "error" : "error " + code;
          errors.push_back(std::move(m));
        }
        break;
      case Hash("statuses"):
        if (!Is(key, "statuses")) break;
        page = true;
        ParseTweetArray(v, "statuses[]");
        break;
      case Hash("meta"):
      case Hash("search_metadata"):
      case Hash("__twarc"):
        if (!Is(key, "meta") && !Is(key, "search_metadata") && !Is(key, "__twarc")) break;
        page = page || !Is(key, "__twarc");  // an empty page still is a page
        break;
      case Hash("action"):
        // v2 batch-compliance lines: {id, action, created_at, reason}.
        if (!Is(key, "action")) break;
        if (v.type() == od::json_type::string) compliance_action = Str(v);
        break;
      case Hash("delete"):
      case Hash("limit"):
      case Hash("scrub_geo"):
      case Hash("warning"):
      case Hash("status_withheld"):
      case Hash("user_withheld"):
      case Hash("disconnect"):
      case Hash("friends"):
      case Hash("friends_str"):
      case Hash("event"):
      case Hash("control"):
      case Hash("for_user"):
        if (!Is(key, "delete") && !Is(key, "limit") && !Is(key, "scrub_geo") &&
            !Is(key, "warning") && !Is(key, "status_withheld") && !Is(key, "user_withheld") &&
            !Is(key, "disconnect") && !Is(key, "friends") && !Is(key, "friends_str") &&
            !Is(key, "event") && !Is(key, "control") && !Is(key, "for_user"))
          break;
        control_kind = key;
        if (v.type() == od::json_type::object) {
          od::object o = v.get_object();
          control_detail = Summary(Trim(std::string_view(o.raw_json())));
        } else if (v.type() != od::json_type::array) {
          control_detail = Summary(Trim(v.raw_json_token()));
        }
        break;
      default:
        where = "post";
        if (bare == nullptr) bare = &NewBuilder();
        HandleTweetField(key, v, bare);
        break;
    }
    if (stopped_early) break;    // the rest of the record is not needed
    if (other_provider) return;  // not X: read again by ParseOtherProvider
  }
  if (graphql_errors && tweets.empty() && !errors.empty()) {
    // A GraphQL response without data ({errors} or {data: null, errors}):
    // one control message, with the first error's message.
    controls->push_back({"graphql-error", std::move(errors.front().detail)});
    return;
  }
  if (!control_kind.empty() && !envelope && !page) {
    controls->push_back({std::move(control_kind), std::move(control_detail)});
    return;
  }
  if (envelope || page) {
    if (tweets.empty() && !errors.empty()) {
      for (auto& e : errors) controls->push_back(std::move(e));
      return;
    }
    for (auto& e : errors) {
      e.kind = "partial-error: " + e.kind;
      controls->push_back(std::move(e));
    }
    for (TweetBuilder* b : tweets) {
      where = "data";
      Emit(*b, single_tweet_raw.empty() ? std::string_view(b->span) : single_tweet_raw,
           /*apply_rules=*/true);
    }
    return;
  }
  if (bare != nullptr && !compliance_action.empty() && !bare->has_text) {
    controls->push_back({"compliance " + compliance_action, bare->id});
    return;
  }
  if (bare != nullptr) {
    Emit(*bare, record, /*apply_rules=*/true);
    return;
  }
  if (!errors.empty()) {
    for (auto& e : errors) controls->push_back(std::move(e));
    return;
  }
  throw Malformed("unrecognised JSON object: no post, page or control message");
}

}  // namespace starling::parse
