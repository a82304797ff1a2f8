// File: parse/internal/mastodon.cc
// Mastodon: Status entities (REST timelines: one, or a JSON array of them)
// and streaming events in the WebSocket form {stream, event, payload}, where
// the payload of update / status.update is the Status as a JSON string and
// that of delete the status id. The HTML content becomes text (text/html.h);
// hashtags and mentions come from the status' tags[] and mentions[], located
// in that text; URLs and cashtags from the text layer.
#include "parse/internal/parser_impl.h"
#include "text/html.h"

namespace starling::parse {
namespace {

bool IsWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_';
}

bool EqualsAsciiNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The byte offset of sigil + name in text (ASCII letters compared without
// case), as a whole word: not preceded by a word character and not followed
// by one (nor by '@' or '.' + word, for a mention's domain). npos if absent.
std::size_t FindWord(std::string_view text, char sigil, std::string_view name) {
  if (name.empty()) return std::string_view::npos;
  for (std::size_t i = text.find(sigil); i != std::string_view::npos; i = text.find(sigil, i + 1)) {
    if (i > 0 && IsWordByte(text[i - 1])) continue;
    const std::size_t end = i + 1 + name.size();
    if (end > text.size() || !EqualsAsciiNoCase(text.substr(i + 1, name.size()), name)) continue;
    if (end < text.size() && (IsWordByte(text[end]) || text[end] == '@')) continue;
    return i;
  }
  return std::string_view::npos;
}

model::TextRange RangeOf(std::string_view text, std::size_t at, std::size_t bytes) {
  const auto start = static_cast<std::int32_t>(CodePoints(text.substr(0, at)));
  return {start, start + static_cast<std::int32_t>(CodePoints(text.substr(at, bytes)))};
}

}  // namespace

void PostParser::Impl::ParseMastodonStatus(od::object obj, Post* p, int depth) {
  std::string content, reply_to, quoted;
  bool has_content = false;
  Post* original = nullptr;
  // Only this status' own lists: a reblog's nested status fills them again.
  std::vector<MastodonMention> mentions;
  std::vector<std::string> tags;
  for (auto field : obj) {
    const std::string_view k = Key(field);
    od::value v = field.value();
    switch (Hash(k)) {
      case Hash("id"):
        if (Is(k, "id")) IdInto(v, &p->id);
        break;
      case Hash("created_at"):
        if (!Is(k, "created_at")) break;
        p->created_at = TimeOf(v, "created_at");
        break;
      case Hash("in_reply_to_id"):
        if (Is(k, "in_reply_to_id")) IdInto(v, &reply_to);
        break;
      case Hash("language"):
        if (Is(k, "language")) StrOrEmpty(v, &p->lang);
        break;
      case Hash("content"):
        if (!Is(k, "content")) break;
        content = Str(v);
        has_content = true;
        break;
      case Hash("account"):
        if (!Is(k, "account")) break;
        AuthorInto(v, "id", "acct", "display_name", &p->author);
        break;
      case Hash("mentions"):
        if (!Is(k, "mentions") || IsNull(v)) break;
        for (od::value m : v.get_array()) {
          MastodonMention& mm = mentions.emplace_back();
          for (auto mf : m.get_object()) {
            const std::string_view mk = Key(mf);
            if (Is(mk, "id")) {
              IdInto(mf.value(), &mm.id);
            } else if (Is(mk, "username")) {
              StrOrEmpty(mf.value(), &mm.username);
            } else if (Is(mk, "acct")) {
              StrOrEmpty(mf.value(), &mm.acct);
            }
          }
        }
        break;
      case Hash("tags"):
        if (!Is(k, "tags") || IsNull(v)) break;
        for (od::value t : v.get_array()) {
          for (auto tf : t.get_object()) {
            if (Is(Key(tf), "name")) tags.emplace_back(Str(tf.value()));
          }
        }
        break;
      case Hash("reblog"):
        if (!Is(k, "reblog") || IsNull(v)) break;
        if (depth > 0) throw Malformed("reblog: a reblog inside a reblog");
        original = &NewBuilder().post;
        ParseMastodonStatus(v.get_object(), original, depth + 1);
        break;
      case Hash("quote"):
        // Mastodon 4.4+: {state, quoted_status: Status | null} (or
        // quoted_status_id in a shallow quote).
        if (!Is(k, "quote") || IsNull(v)) break;
        for (auto qf : v.get_object()) {
          const std::string_view qk = Key(qf);
          od::value qv = qf.value();
          if (Is(qk, "quoted_status_id")) {
            IdInto(qv, &quoted);
          } else if (Is(qk, "quoted_status") && !IsNull(qv)) {
            for (auto sf : qv.get_object()) {
              if (Is(Key(sf), "id")) IdInto(sf.value(), &quoted);
            }
          }
        }
        break;
      case Hash("replies_count"):  // == Hash("reblogs_count")
        if (Is(k, "replies_count")) {
          p->metrics.replies = OptInt(v, k);
        } else if (Is(k, "reblogs_count")) {
          p->metrics.reposts = OptInt(v, k);
        }
        break;
      case Hash("favourites_count"):
        if (Is(k, "favourites_count")) p->metrics.likes = OptInt(v, k);
        break;
      case Hash("quotes_count"):
        if (Is(k, "quotes_count")) p->metrics.quotes = OptInt(v, k);
        break;
      default:
        break;
    }
  }
  if (p->id.empty()) throw Malformed("mastodon status: no id");
  if (!has_content && original == nullptr) throw Malformed("mastodon status: no content");
  p->provider = model::Provider::kMastodon;
  if (original != nullptr) {
    // A reblog: the original's text and entities, a reference to it.
    p->text = std::move(original->text);
    p->hashtags = std::move(original->hashtags);
    p->mentions = std::move(original->mentions);
    p->urls = std::move(original->urls);
    p->cashtags = std::move(original->cashtags);
    p->entities_extracted = original->entities_extracted;
    if (p->lang.empty()) p->lang = original->lang;
    p->references.push_back({model::ReferenceType::kReposted, original->id});
    p->kind = model::PostKind::kRepost;
    return;
  }
  text::AppendHtmlText(content, &p->text);
  const std::string_view text = p->text;
  for (const std::string& tag : tags) {
    const std::size_t at = FindWord(text, '#', tag);
    if (at == std::string_view::npos) {
      p->hashtags.push_back({tag, {}});
    } else {  // as written in the text
      p->hashtags.push_back(
          {std::string(text.substr(at + 1, tag.size())), RangeOf(text, at, tag.size() + 1)});
    }
  }
  for (MastodonMention& m : mentions) {
    std::string_view found = m.acct;
    std::size_t at = FindWord(text, '@', m.acct);
    if (at == std::string_view::npos) {  // a remote account is shown by its username
      found = m.username;
      at = FindWord(text, '@', m.username);
    }
    model::TextRange r;
    if (at != std::string_view::npos) r = RangeOf(text, at, found.size() + 1);
    p->mentions.push_back({m.acct.empty() ? m.username : m.acct, m.id, r});
  }
  auto by_start = [](const auto& x, const auto& y) {
    return static_cast<std::uint32_t>(x.range.start) < static_cast<std::uint32_t>(y.range.start);
  };
  std::stable_sort(p->hashtags.begin(), p->hashtags.end(), by_start);
  std::stable_sort(p->mentions.begin(), p->mentions.end(), by_start);
  if (extract && AppendExtracted(p, nullptr, /*urls_and_cashtags_only=*/true)) {
    p->entities_extracted = true;
  }
  if (!quoted.empty()) p->references.push_back({model::ReferenceType::kQuoted, std::move(quoted)});
  if (!reply_to.empty()) {
    p->references.push_back({model::ReferenceType::kRepliedTo, std::move(reply_to)});
  }
  KindFromReferences(p);
}

void PostParser::Impl::ParseMastodonStreamEvent(od::object obj,
                                                std::vector<ControlMessage>* controls) {
  std::string event;
  std::string& payload = scratch_c;
  payload.clear();
  bool has_payload = false, payload_is_string = false;
  for (auto field : obj) {
    const std::string_view k = Key(field);
    od::value v = field.value();
    if (Is(k, "event")) {
      event = Str(v);
    } else if (Is(k, "payload")) {
      has_payload = true;
      if (v.type() == od::json_type::string) {
        payload = Str(v);
        payload_is_string = true;
      }
    }
    // "stream" (the streams it was sent to) is not needed.
  }
  if (event.empty()) throw Malformed("mastodon stream event: no event name");
  if (event == "update" || event == "status.update") {
    if (!has_payload || !payload_is_string) {
      throw Malformed("mastodon " + event + ": payload is not a JSON string");
    }
    where = "mastodon stream payload";
    od::document d = IteratePayload(payload);
    TweetBuilder& b = NewBuilder();
    ParseMastodonStatus(d.get_object(), &b.post, 0);
    const char* trailing = nullptr;
    if (d.current_location().get(trailing) == simdjson::SUCCESS) {
      throw Malformed("trailing content after the status");
    }
    FinishOther(b.post, Format::kMastodon, record);
    Output(b.post);
    return;
  }
  if (event == "delete") {
    if (has_payload && !payload_is_string)
      throw Malformed("mastodon delete: payload is not a string");
    controls->push_back({"delete", payload});
    return;
  }
  // notification, conversation, filters_changed, announcement, ...: the
  // payload (JSON of the entity, when any) is not read.
  controls->push_back({event, Summary(payload)});
}

}  // namespace starling::parse
