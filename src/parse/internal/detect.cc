// File: parse/internal/detect.cc
// Records that are not X: which provider a record is (from the names of its
// top-level fields, or of its first element's for an array), and what every
// such provider's post goes through last.
#include "parse/internal/parser_impl.h"

namespace starling::parse {
namespace {

enum class Other : std::uint8_t { kGitHub, kJetstream, kMastodonStatus, kMastodonStream, kMeetup };

// Which provider an object is, from its field names (values are skipped).
Other Classify(od::object obj) {
  bool did = false, jetstream = false, github = false, event = false, payload = false,
       stream = false, mastodon = false, data = false, errors = false;
  for (auto field : obj) {
    const std::string_view k = Key(field);
    if (Is(k, "did")) did = true;
    if (Is(k, "time_us") || Is(k, "commit") || Is(k, "identity") || Is(k, "kind")) jetstream = true;
    if (Is(k, "actor") || Is(k, "repo")) github = true;
    if (Is(k, "event")) event = true;
    if (Is(k, "payload")) payload = true;
    if (Is(k, "stream")) stream = true;
    if (Is(k, "account") || Is(k, "content") || Is(k, "reblog") || Is(k, "visibility")) {
      mastodon = true;
    }
    if (Is(k, "data")) data = true;
    if (Is(k, "errors")) errors = true;
  }
  if (did && jetstream) return Other::kJetstream;
  if (stream || (event && payload && !github)) return Other::kMastodonStream;
  if (github) return Other::kGitHub;
  if (mastodon) return Other::kMastodonStatus;
  if (data || errors) return Other::kMeetup;
  throw Malformed("unrecognised JSON object: no post, page or control message");
}

}  // namespace

void PostParser::Impl::ParseOtherProvider(std::vector<ControlMessage>* controls) {
  Reset();  // nothing of the X reading is kept
  where = "document";
  doc.rewind();
  const bool array = doc.type() == od::json_type::array;
  Other what;
  if (array) {
    what = Other::kGitHub;
    for (od::value v : doc.get_array()) {  // non-empty: the X reading saw an element
      what = Classify(v.get_object());
      break;
    }
  } else {
    what = Classify(doc.get_object());
  }
  doc.rewind();
  if (array) {
    if (what != Other::kGitHub && what != Other::kMastodonStatus) {
      throw Malformed("an array of " +
                      std::string(what == Other::kJetstream ? "Jetstream events"
                                  : what == Other::kMeetup  ? "GraphQL responses"
                                                            : "stream events") +
                      ": one per record");
    }
    const Format format = what == Other::kGitHub ? Format::kGitHub : Format::kMastodon;
    for (od::value v : doc.get_array()) {
      where = what == Other::kGitHub ? "github event" : "mastodon status";
      const char* start = v.raw_json_token().data();
      TweetBuilder& b = NewBuilder();
      if (what == Other::kGitHub) {
        ParseGitHubEvent(v.get_object(), &b.post);
      } else {
        ParseMastodonStatus(v.get_object(), &b.post, 0);
      }
      b.span = ElementSpan(start);
      FinishOther(b.post, format, b.span);
      Output(b.post);
    }
    return;
  }
  od::object obj = doc.get_object();
  switch (what) {
    case Other::kGitHub: {
      where = "github event";
      TweetBuilder& b = NewBuilder();
      ParseGitHubEvent(obj, &b.post);
      FinishOther(b.post, Format::kGitHub, record);
      Output(b.post);
      break;
    }
    case Other::kJetstream:
      where = "jetstream event";
      ParseJetstreamEvent(obj, controls);
      break;
    case Other::kMastodonStatus: {
      where = "mastodon status";
      TweetBuilder& b = NewBuilder();
      ParseMastodonStatus(obj, &b.post, 0);
      FinishOther(b.post, Format::kMastodon, record);
      Output(b.post);
      break;
    }
    case Other::kMastodonStream:
      where = "mastodon stream event";
      ParseMastodonStreamEvent(obj, controls);
      break;
    case Other::kMeetup:
      where = "graphql response";
      ParseMeetupResponse(obj, controls);
      break;
  }
}

od::document PostParser::Impl::IteratePayload(std::string_view json) {
  payload_buf.assign(json);
  payload_buf.append(simdjson::SIMDJSON_PADDING, ' ');
  return payload_parser.iterate(payload_buf.data(), json.size(), payload_buf.size());
}

bool PostParser::Impl::AppendExtracted(Post* p, const std::vector<model::TextRange>* skip,
                                       bool urls_and_cashtags_only) {
  bool added = false;
  for (auto& e : text::ExtractEntities(p->text)) {
    if (urls_and_cashtags_only && e.type != text::EntityType::kUrl &&
        e.type != text::EntityType::kCashtag) {
      continue;
    }
    const model::TextRange r{e.start, e.end};
    if (skip != nullptr) {
      const bool overlaps = std::any_of(skip->begin(), skip->end(), [&](const model::TextRange& s) {
        return r.start < s.end && s.start < r.end;
      });
      if (overlaps) continue;
    }
    switch (e.type) {
      case text::EntityType::kHashtag:
        p->hashtags.push_back({std::move(e.value), r});
        break;
      case text::EntityType::kCashtag:
        p->cashtags.push_back({std::move(e.value), r});
        break;
      case text::EntityType::kMention:
        p->mentions.push_back({std::move(e.value), "", r});
        break;
      case text::EntityType::kUrl: {
        std::string u = e.value;
        p->urls.push_back({std::move(u), std::move(e.value), "", "", r});
        break;
      }
    }
    added = true;
  }
  return added;
}

void PostParser::Impl::FinishOther(Post& p, Format format, std::string_view raw) {
  finished_formats.push_back(format);
  p.source_format = std::string(FormatName(format));
  if (options.keep_raw) p.raw.assign(raw);
  // The projection: what was not asked for goes back to its default, as an
  // X post's would stay (these readers decode every field: their records are
  // small, and no hot path reads them yet).
  if (!want_text) p.text.clear();
  if (!want_time) p.created_at = 0;
  if (!want_author) p.author = model::Author();
  if (!want_lang) p.lang.clear();
  if (!want_hashtags) p.hashtags.clear();
  if (!want_mentions) p.mentions.clear();
  if (!want_urls) p.urls.clear();
  if (!want_cashtags) p.cashtags.clear();
  if (!want_refs) {
    p.references.clear();
    if (model::IsReferenceKind(p.kind)) p.kind = model::PostKind::kPost;
  }
  if (!want_metrics) p.metrics = model::PublicMetrics();
  if (!want_geo) p.geo = model::Geo();
}

}  // namespace starling::parse
