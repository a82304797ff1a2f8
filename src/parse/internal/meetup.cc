// File: parse/internal/meetup.cc
// Meetup GraphQL responses (POST https://api.meetup.com/gql-ext): {data,
// errors}. The events are the nodes of the `edges` arrays found at
// data.<field>.edges or one level deeper (data.groupByUrlname.events.edges,
// ...upcomingEvents.edges), or a single event object at data.<field>
// (`event(id:)`). A search result's node may wrap the event in `result`.
// Each event becomes one post of kind `event`; a response with errors and no
// events is one control message, "graphql-error".
#include "parse/internal/parser_impl.h"

namespace starling::parse {
namespace {

void ReadGroup(od::value v, model::Author* g) {
  if (IsNull(v)) return;
  for (auto f : v.get_object()) {
    const std::string_view k = Key(f);
    if (Is(k, "id")) {
      IdInto(f.value(), &g->id);
    } else if (Is(k, "urlname")) {
      StrOrEmpty(f.value(), &g->handle);
    } else if (Is(k, "name")) {
      StrOrEmpty(f.value(), &g->name);
    }
  }
}

// "title\n\ndescription", or the title alone.
void TitleText(std::string_view title, std::string_view description, std::string* out) {
  out->assign(title);
  if (!description.empty()) {
    if (!out->empty()) out->append("\n\n");
    out->append(description);
  }
}

// A number or null (lat/lon are Float in the schema).
std::optional<double> OptDouble(od::value v) {
  if (IsNull(v)) return std::nullopt;
  return static_cast<double>(v.get_double());
}

void ReadVenue(od::value v, model::Geo* g) {
  if (IsNull(v)) return;
  std::string name, city;
  for (auto f : v.get_object()) {
    const std::string_view k = Key(f);
    od::value fv = f.value();
    if (Is(k, "lat")) {
      g->lat = OptDouble(fv);
    } else if (Is(k, "lon") || Is(k, "lng")) {
      g->lon = OptDouble(fv);
    } else if (Is(k, "name")) {
      StrOrEmpty(fv, &name);
    } else if (Is(k, "city")) {
      StrOrEmpty(fv, &city);
    } else if (Is(k, "country")) {
      StrOrEmpty(fv, &g->country_code);
      for (char& c : g->country_code) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
    } else if (Is(k, "id")) {
      IdInto(fv, &g->place_id);
    }
  }
  // Meetup reports online events at a placeholder venue with 0, 0.
  if (g->lat && g->lon && *g->lat == 0 && *g->lon == 0) {
    g->lat.reset();
    g->lon.reset();
  }
  g->place_name = name;
  if (!city.empty() && city != name) {
    if (!g->place_name.empty()) g->place_name += ", ";
    g->place_name += city;
  }
}

}  // namespace

void PostParser::Impl::ParseMeetupEvent(od::object obj, TweetBuilder* b) {
  Post& p = b->post;
  std::string& title = b->text;
  std::string& description = b->full_text;
  bool has_title = false;
  bool venue_done = false;
  for (auto field : obj) {
    const std::string_view k = Key(field);
    od::value v = field.value();
    switch (Hash(k)) {
      case Hash("id"):
        if (Is(k, "id")) IdInto(v, &p.id);
        break;
      case Hash("title"):
        if (!Is(k, "title")) break;
        StrOrEmpty(v, &title);
        has_title = true;
        break;
      case Hash("description"):
        if (Is(k, "description")) StrOrEmpty(v, &description);
        break;
      case Hash("dateTime"):
        if (!Is(k, "dateTime") || IsNull(v)) break;
        p.created_at = TimeOf(v, "dateTime");
        b->has_created = true;
        break;
      case Hash("group"):
        if (Is(k, "group")) ReadGroup(v, &p.author);
        break;
      case Hash("venue"):
        if (!Is(k, "venue") || IsNull(v)) break;
        ReadVenue(v, &p.geo);
        venue_done = true;
        break;
      case Hash("venues"):
        // The newer schema's list: the first venue.
        if (!Is(k, "venues") || IsNull(v)) break;
        for (od::value vv : v.get_array()) {
          if (!venue_done) ReadVenue(vv, &p.geo);
          venue_done = true;
        }
        break;
      case Hash("result"):
        // A search edge's node: {result: Event}.
        if (!Is(k, "result") || IsNull(v)) break;
        ParseMeetupEvent(v.get_object(), b);
        return;
      default:
        break;  // eventUrl, createdTime, endTime, going, images, ...
    }
  }
  if (!has_title) throw Malformed("meetup event: no title");
  if (p.id.empty()) throw Malformed("meetup event: no id");
}

// data.<field> (depth 0) or data.<field>.<field> (depth 1): an object that
// holds `edges`, deeper containers, or is itself one event.
void PostParser::Impl::ParseMeetupContainer(od::value v, int depth,
                                            std::vector<TweetBuilder*>* events,
                                            model::Author* group) {
  if (IsNull(v)) return;
  if (v.type() != od::json_type::object) {
    if (depth == 0) throw Malformed("GraphQL data: expected an object or null");
    return;  // a scalar of a group (name, count, ...)
  }
  // The object is read once; if it turns out to be an event, the event's
  // fields were collected on the way.
  TweetBuilder& self = NewBuilder();
  Post& ev = self.post;
  bool is_event = false;
  std::string& title = self.text;
  std::string& description = self.full_text;
  model::Author own_group;  // an enclosing group's {id, urlname, name}
  for (auto field : v.get_object()) {
    const std::string_view k = Key(field);
    od::value fv = field.value();
    if (Is(k, "edges")) {
      if (IsNull(fv)) continue;
      for (od::value edge : fv.get_array()) {
        for (auto ef : edge.get_object()) {
          if (!Is(Key(ef), "node")) continue;  // cursor, metadata
          od::value node = ef.value();
          if (IsNull(node)) continue;
          const char* start = node.raw_json_token().data();
          TweetBuilder& b = NewBuilder();
          ParseMeetupEvent(node.get_object(), &b);
          b.span = ElementSpan(start);
          events->push_back(&b);
        }
      }
    } else if (Is(k, "title")) {
      StrOrEmpty(fv, &title);
      is_event = true;
    } else if (Is(k, "description")) {
      StrOrEmpty(fv, &description);
    } else if (Is(k, "dateTime")) {
      if (IsNull(fv)) continue;
      auto ts = model::ParseTimestamp(Str(fv));
      if (!ts.ok()) throw Malformed("dateTime: " + ts.status().message());
      ev.created_at = *ts;
    } else if (Is(k, "id")) {
      IdInto(fv, &ev.id);
      own_group.id = ev.id;
    } else if (Is(k, "urlname")) {
      StrOrEmpty(fv, &own_group.handle);
    } else if (Is(k, "name")) {
      StrOrEmpty(fv, &own_group.name);
    } else if (Is(k, "group")) {
      ReadGroup(fv, &ev.author);
    } else if (Is(k, "venue")) {
      ReadVenue(fv, &ev.geo);
    } else if (Is(k, "venues")) {
      if (IsNull(fv)) continue;
      bool first = true;
      for (od::value vv : fv.get_array()) {
        if (first) ReadVenue(vv, &ev.geo);
        first = false;
      }
    } else if (depth == 0 && fv.type() == od::json_type::object) {
      ParseMeetupContainer(fv, depth + 1, events, own_group.handle.empty() ? group : &own_group);
    }
  }
  if (is_event) {
    if (ev.id.empty()) throw Malformed("meetup event: no id");
    self.span = {};
    events->push_back(&self);
    return;
  }
  // Events listed under a group that do not name their group: that group.
  if (!own_group.handle.empty()) {
    for (TweetBuilder* e : *events) {
      if (e->post.author.handle.empty() && e->post.author.id.empty()) e->post.author = own_group;
    }
  } else if (group != nullptr && !group->handle.empty()) {
    for (TweetBuilder* e : *events) {
      if (e->post.author.handle.empty() && e->post.author.id.empty()) e->post.author = *group;
    }
  }
}

void PostParser::Impl::ParseMeetupResponse(od::object obj, std::vector<ControlMessage>* controls) {
  std::vector<TweetBuilder*> events;
  std::string first_error;
  std::size_t error_count = 0;
  bool has_data = false;
  for (auto field : obj) {
    const std::string_view k = Key(field);
    od::value v = field.value();
    if (Is(k, "data")) {
      where = "data";
      has_data = true;
      if (IsNull(v)) continue;
      std::size_t fields = 0;
      for (auto df : v.get_object()) {
        ++fields;
        ParseMeetupContainer(df.value(), 0, &events, nullptr);
      }
      if (fields == 0) throw Malformed("GraphQL data: no fields");
    } else if (Is(k, "errors")) {
      where = "errors";
      if (IsNull(v)) continue;
      for (od::value e : v.get_array()) {
        ++error_count;
        for (auto ef : e.get_object()) {
          if (Is(Key(ef), "message") && error_count == 1) StrOrEmpty(ef.value(), &first_error);
        }
      }
    }
    // "extensions" (rate limits, tracing) is not needed.
  }
  if (!has_data && error_count == 0) throw Malformed("GraphQL response: no data and no errors");
  if (events.empty() && error_count > 0) {
    controls->push_back({"graphql-error", std::move(first_error)});
    return;
  }
  if (error_count > 0) controls->push_back({"partial-error: graphql-error", first_error});
  where = "data";
  for (TweetBuilder* b : events) {
    Post& p = b->post;
    p.provider = model::Provider::kMeetup;
    p.kind = model::PostKind::kEvent;
    p.channel = p.author.handle;
    TitleText(b->text, b->full_text, &p.text);
    if (extract) {
      AppendExtracted(&p, nullptr, false);
      p.entities_extracted = true;
    }
    FinishOther(p, Format::kMeetup, b->span.empty() ? record : b->span);
    Output(p);
  }
}

}  // namespace starling::parse
