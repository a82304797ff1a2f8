// File: parse/internal/bluesky.cc
// Bluesky Jetstream v1 events: {did, time_us, kind, commit | identity |
// account}. Creates and updates of app.bsky.feed.post become posts (id: the
// record's at-uri), creates of app.bsky.feed.repost become reposts; every
// other event (deletes, likes, follows, blocks, other collections, identity,
// account) is a control message. Facets (UTF-8 byte ranges) become entities
// with code-point ranges; the text layer adds what no facet covers.
#include "parse/internal/parser_impl.h"

namespace starling::parse {
namespace {

constexpr std::string_view kPostCollection = "app.bsky.feed.post";
constexpr std::string_view kRepostCollection = "app.bsky.feed.repost";

// The "uri" of a {uri, cid} strong reference (other fields skipped).
void ReadUri(od::value v, std::string* out) {
  if (IsNull(v) || v.type() != od::json_type::object) return;
  for (auto f : v.get_object()) {
    if (Is(Key(f), "uri")) StrOrEmpty(f.value(), out);
  }
}

bool IsContinuation(std::string_view s, std::size_t i) {
  return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0u) == 0x80u;
}

}  // namespace

void PostParser::Impl::ParseBlueskyRecord(od::object rec, Post* p, std::string* reply_to,
                                          std::string* quoted, std::string* reposted) {
  std::string embed_type, embed_uri, embed_nested_uri;
  for (auto field : rec) {
    const std::string_view k = Key(field);
    od::value v = field.value();
    switch (Hash(k)) {
      case Hash("text"):
        if (Is(k, "text")) p->text = Str(v);
        break;
      case Hash("createdAt"):
        if (!Is(k, "createdAt")) break;
        {
          // Client-set: a date that does not parse falls back to time_us.
          auto ts = model::ParseTimestamp(Str(v));
          if (ts.ok()) p->created_at = *ts;
        }
        break;
      case Hash("langs"):
        if (!Is(k, "langs") || IsNull(v)) break;
        for (od::value l : v.get_array()) {
          if (p->lang.empty()) p->lang = Str(l);
        }
        break;
      case Hash("facets"):
        if (!Is(k, "facets") || IsNull(v)) break;
        for (od::value fv : v.get_array()) {
          Facet& f = facets.emplace_back();
          for (auto ff : fv.get_object()) {
            const std::string_view fk = Key(ff);
            if (Is(fk, "index")) {
              for (auto idx : ff.value().get_object()) {
                const std::string_view ik = Key(idx);
                od::value iv = idx.value();
                std::int64_t n = 0;
                const bool is_start = Is(ik, "byteStart");
                if (!is_start && !Is(ik, "byteEnd")) continue;
                // An index that is not a whole number drops the facet, as
                // one out of range does.
                if (iv.get_int64().get(n) != simdjson::SUCCESS) {
                  f.bad = true;
                  continue;
                }
                (is_start ? f.byte_start : f.byte_end) = n;
              }
            } else if (Is(fk, "features")) {
              for (od::value feat : ff.value().get_array()) {
                Facet::Feature& x = f.features.emplace_back();
                std::string_view type;
                std::string did, uri, tag;
                for (auto xf : feat.get_object()) {
                  const std::string_view xk = Key(xf);
                  if (Is(xk, "$type")) {
                    type = Str(xf.value());
                  } else if (Is(xk, "did")) {
                    did = Str(xf.value());
                  } else if (Is(xk, "uri")) {
                    uri = Str(xf.value());
                  } else if (Is(xk, "tag")) {
                    tag = Str(xf.value());
                  }
                }
                if (type == "app.bsky.richtext.facet#mention") {
                  x.type = Facet::Feature::kMention;
                  x.value = std::move(did);
                } else if (type == "app.bsky.richtext.facet#link") {
                  x.type = Facet::Feature::kLink;
                  x.value = std::move(uri);
                } else if (type == "app.bsky.richtext.facet#tag") {
                  x.type = Facet::Feature::kTag;
                  x.value = std::move(tag);
                }
              }
            }
          }
        }
        break;
      case Hash("reply"):
        if (!Is(k, "reply") || IsNull(v)) break;
        for (auto rf : v.get_object()) {
          if (Is(Key(rf), "parent")) ReadUri(rf.value(), reply_to);
        }
        break;
      case Hash("embed"):
        if (!Is(k, "embed") || IsNull(v)) break;
        for (auto ef : v.get_object()) {
          const std::string_view ek = Key(ef);
          if (Is(ek, "$type")) {
            embed_type = Str(ef.value());
          } else if (Is(ek, "record")) {
            // app.bsky.embed.record: {uri, cid}; recordWithMedia: {record: {uri, cid}}.
            od::value rv = ef.value();
            if (IsNull(rv)) continue;
            for (auto rf : rv.get_object()) {
              const std::string_view rk = Key(rf);
              if (Is(rk, "uri")) {
                StrOrEmpty(rf.value(), &embed_uri);
              } else if (Is(rk, "record")) {
                ReadUri(rf.value(), &embed_nested_uri);
              }
            }
          }
        }
        break;
      case Hash("subject"):
        if (Is(k, "subject")) ReadUri(v, reposted);
        break;
      default:
        break;
    }
  }
  if (embed_type == "app.bsky.embed.record") {
    *quoted = std::move(embed_uri);
  } else if (embed_type == "app.bsky.embed.recordWithMedia") {
    *quoted = std::move(embed_nested_uri);
  }
}

void PostParser::Impl::ApplyFacets(Post* p) {
  const std::string_view text = p->text;
  std::vector<model::TextRange> covered;
  for (const Facet& f : facets) {
    const std::int64_t bs = f.byte_start, be = f.byte_end;
    // Out of range, empty, reversed or not on a character boundary: dropped.
    if (f.bad || bs < 0 || be <= bs || be > static_cast<std::int64_t>(text.size()) ||
        IsContinuation(text, static_cast<std::size_t>(bs)) ||
        IsContinuation(text, static_cast<std::size_t>(be))) {
      continue;
    }
    const std::string_view slice =
        text.substr(static_cast<std::size_t>(bs), static_cast<std::size_t>(be - bs));
    const auto start =
        static_cast<std::int32_t>(CodePoints(text.substr(0, static_cast<std::size_t>(bs))));
    const model::TextRange r{start, start + static_cast<std::int32_t>(CodePoints(slice))};
    bool any = false;
    for (const Facet::Feature& x : f.features) {
      switch (x.type) {
        case Facet::Feature::kMention: {
          std::string_view handle = slice;
          if (handle.starts_with("@")) handle.remove_prefix(1);
          p->mentions.push_back({std::string(handle), x.value, r});
          any = true;
          break;
        }
        case Facet::Feature::kLink:
          p->urls.push_back({x.value, x.value, std::string(slice), "", r});
          any = true;
          break;
        case Facet::Feature::kTag: {
          std::string_view tag = x.value;
          if (tag.empty()) {
            tag = slice;
            if (tag.starts_with("#")) tag.remove_prefix(1);
          }
          p->hashtags.push_back({std::string(tag), r});
          any = true;
          break;
        }
        case Facet::Feature::kOther:
          break;
      }
    }
    if (any) covered.push_back(r);
  }
  if (extract && AppendExtracted(p, &covered, false)) p->entities_extracted = true;
  auto by_start = [](const auto& x, const auto& y) { return x.range.start < y.range.start; };
  std::stable_sort(p->hashtags.begin(), p->hashtags.end(), by_start);
  std::stable_sort(p->mentions.begin(), p->mentions.end(), by_start);
  std::stable_sort(p->urls.begin(), p->urls.end(), by_start);
  std::stable_sort(p->cashtags.begin(), p->cashtags.end(), by_start);
}

void PostParser::Impl::ParseJetstreamEvent(od::object obj, std::vector<ControlMessage>* controls) {
  std::string did, kind, operation, collection, rkey;
  std::int64_t time_us = 0;
  bool has_commit = false, record_done = false;
  std::string_view deferred_record;  // a record read before its collection: parsed after
  TweetBuilder& b = NewBuilder();
  Post& p = b.post;
  std::string reply_to, quoted, reposted;
  facets.clear();
  auto wants_record = [&] {
    return operation != "delete" &&
           (collection == kPostCollection || collection == kRepostCollection);
  };
  for (auto field : obj) {
    const std::string_view k = Key(field);
    od::value v = field.value();
    if (Is(k, "did")) {
      did = Str(v);
    } else if (Is(k, "time_us")) {
      time_us = v.get_int64();
    } else if (Is(k, "kind")) {
      kind = Str(v);
    } else if (Is(k, "commit")) {
      has_commit = true;
      for (auto cf : v.get_object()) {
        const std::string_view ck = Key(cf);
        od::value cv = cf.value();
        if (Is(ck, "operation")) {
          operation = Str(cv);
        } else if (Is(ck, "collection")) {
          collection = Str(cv);
        } else if (Is(ck, "rkey")) {
          rkey = Str(cv);
        } else if (Is(ck, "record")) {
          if (IsNull(cv)) continue;
          if (!operation.empty() && !collection.empty()) {
            if (wants_record()) {
              ParseBlueskyRecord(cv.get_object(), &p, &reply_to, &quoted, &reposted);
              record_done = true;
            }
            // (any other collection's record is skipped unread)
          } else {
            od::object ro = cv.get_object();
            deferred_record = Trim(std::string_view(ro.raw_json()));
          }
        }
      }
    }
  }
  if (kind.empty() && has_commit) kind = "commit";
  if (kind.empty()) throw Malformed("jetstream event: no kind");
  if (kind != "commit") {  // identity, account, and kinds added later
    controls->push_back({kind, did});
    return;
  }
  if (did.empty() || collection.empty() || rkey.empty()) {
    throw Malformed("jetstream commit: no did, collection or rkey");
  }
  std::string uri = "at://" + did + "/" + collection + "/" + rkey;
  if (operation == "delete") {
    controls->push_back({"delete", std::move(uri)});
    return;
  }
  if (!wants_record()) {
    std::string what = collection == "app.bsky.feed.like"      ? "bluesky-like"
                       : collection == "app.bsky.graph.follow" ? "bluesky-follow"
                       : collection == "app.bsky.graph.block"  ? "bluesky-block"
                                                               : "bluesky-record";
    controls->push_back({std::move(what), operation + " " + uri});
    return;
  }
  if (!record_done) {
    if (deferred_record.empty()) throw Malformed("jetstream commit: no record");
    od::document rd = IteratePayload(deferred_record);
    ParseBlueskyRecord(rd.get_object(), &p, &reply_to, &quoted, &reposted);
  }
  p.id = std::move(uri);
  p.provider = model::Provider::kBluesky;
  p.author.id = std::move(did);
  if (p.created_at == 0) p.created_at = time_us;
  if (collection == kRepostCollection) {
    if (reposted.empty()) throw Malformed("bluesky repost: no subject uri");
    p.text.clear();
    facets.clear();
    p.references.push_back({model::ReferenceType::kReposted, std::move(reposted)});
  } else {
    if (!quoted.empty()) p.references.push_back({model::ReferenceType::kQuoted, std::move(quoted)});
    if (!reply_to.empty()) {
      p.references.push_back({model::ReferenceType::kRepliedTo, std::move(reply_to)});
    }
  }
  KindFromReferences(&p);
  ApplyFacets(&p);
  FinishOther(p, Format::kBluesky, record);
  Output(p);
}

}  // namespace starling::parse
