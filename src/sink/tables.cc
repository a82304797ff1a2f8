// File: sink/tables.cc
#include "sink/tables.h"

#include <array>
#include <charconv>
#include <optional>

#include "model/time.h"
#include "text/case.h"

namespace starling::sink {
namespace {

using model::ColumnType;
constexpr ColumnType kInt = ColumnType::kInt;
constexpr ColumnType kReal = ColumnType::kReal;
constexpr ColumnType kText = ColumnType::kText;

std::vector<TableInfo> MakeTables() {
  const TableColumn post_id{"post_id", kText, false, false, "the post's id (posts.id)"};
  const TableColumn start{"start", kInt, true, false,
                          "code point offset into posts.text; NULL when unknown"};
  const TableColumn end{"end", kInt, true, false, "end offset, exclusive; NULL when unknown"};
  return {
      {LogicalTable::kPosts,
       "posts",
       {
           {"id", kText, false, false, "the provider's id of the post"},
           {"provider", kText, false, false, "x, github, bluesky, mastodon, meetup, unknown"},
           {"created_at", kInt, false, true, "UTC microseconds since the epoch"},
           {"created_at_iso", kText, false, false, "the same as text: 2021-04-01T15:52:31.000Z"},
           {"author_id", kText, false, false, "the provider's user id"},
           {"author_handle", kText, false, false, "without '@'"},
           {"author_name", kText, false, false, "display name"},
           {"text", kText, false, false, "the full text"},
           {"lang", kText, false, false, "BCP-47 as given"},
           {"kind", kText, false, false, "post, repost, reply, quote, push, issue, ..."},
           {"ref_id", kText, true, false, "the id the kind refers to; NULL for a plain post"},
           {"repost_count", kInt, true, false, "NULL when not given"},
           {"reply_count", kInt, true, false, "NULL when not given"},
           {"like_count", kInt, true, false, "NULL when not given"},
           {"quote_count", kInt, true, false, "NULL when not given"},
           {"impression_count", kInt, true, false, "NULL when not given"},
           {"lon", kReal, true, false, "WGS84 longitude; NULL when none"},
           {"lat", kReal, true, false, "WGS84 latitude; NULL when none"},
           {"place_id", kText, true, false, "NULL when none"},
           {"place_name", kText, true, false, "X's full_name; NULL when none"},
           {"country_code", kText, true, false, "NULL when none"},
           {"entities_extracted", kInt, false, false, "1: entities came from the text extractor"},
           {"source_format", kText, false, false, "x-v2, x-v11, github, bluesky, ..."},
           {"raw", kText, true, false, "the provider's JSON, byte-exact; NULL when unknown"},
           {"channel", kText, true, false, "GitHub repository, Meetup group; NULL when none"},
       },
       "one row per post"},
      {LogicalTable::kHashtags,
       "hashtags",
       {post_id,
        {"tag", kText, false, false, "without '#', as written"},
        {"tag_lower", kText, false, false, "Unicode lower case of tag"},
        start,
        end},
       "one row per hashtag"},
      {LogicalTable::kMentions,
       "mentions",
       {post_id,
        {"handle", kText, false, false, "without '@'"},
        {"user_id", kText, true, false, "NULL when the provider does not give it"},
        start,
        end},
       "one row per mention"},
      {LogicalTable::kUrls,
       "urls",
       {post_id,
        {"url", kText, false, false, "as in the text"},
        {"expanded_url", kText, true, false, "the provider's expansion"},
        {"display_url", kText, true, false, "NULL when none"},
        {"unwound_url", kText, true, false, "after redirects (X); NULL when none"},
        start,
        end},
       "one row per URL"},
      {LogicalTable::kCashtags,
       "cashtags",
       {post_id, {"tag", kText, false, false, "without '$'"}, start, end},
       "one row per cashtag"},
      {LogicalTable::kPostReferences,
       "post_references",
       {post_id,
        {"type", kText, false, false, "replied_to, retweeted, quoted"},
        {"ref_id", kText, false, false, "the referenced post's id"}},
       "one row per referenced post"},
      {LogicalTable::kMatchingRules,
       "matching_rules",
       {post_id,
        {"rule_id", kText, false, false, "the stream rule's id"},
        {"tag", kText, false, false, "the rule's tag; '' when none"}},
       "one row per stream rule a post matched"},
  };
}

Cell TextOrNull(std::string_view s) { return s.empty() ? Cell{} : Cell{s}; }
Cell IntOrNull(const std::optional<std::int64_t>& v) { return v ? Cell{*v} : Cell{}; }
Cell RealOrNull(const std::optional<double>& v) { return v ? Cell{*v} : Cell{}; }
Cell Pos(std::int32_t v) { return v < 0 ? Cell{} : Cell{static_cast<std::int64_t>(v)}; }

// --- Reading cells back ------------------------------------------------------

class CellReader {
 public:
  CellReader(std::string_view table, std::span<const Value> row) : table_(table), row_(row) {}

  bool Null(std::size_t i) const { return std::holds_alternative<std::monostate>(row_[i]); }

  Result<std::string> Text(std::size_t i) const {
    if (Null(i)) return std::string();
    if (const auto* s = std::get_if<std::string>(&row_[i])) return *s;
    return Bad(i, "text");
  }

  Result<std::optional<std::int64_t>> Int(std::size_t i) const {
    if (Null(i)) return std::optional<std::int64_t>();
    if (const auto* v = std::get_if<std::int64_t>(&row_[i])) return std::optional(*v);
    if (const auto* d = std::get_if<double>(&row_[i])) {
      const auto v = static_cast<std::int64_t>(*d);
      if (static_cast<double>(v) == *d) return std::optional(v);
    }
    if (const auto* s = std::get_if<std::string>(&row_[i])) {
      std::int64_t v = 0;
      const auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
      if (ec == std::errc() && p == s->data() + s->size()) return std::optional(v);
    }
    return Bad(i, "an integer");
  }

  Result<std::optional<double>> Real(std::size_t i) const {
    if (Null(i)) return std::optional<double>();
    if (const auto* v = std::get_if<double>(&row_[i])) return std::optional(*v);
    if (const auto* v = std::get_if<std::int64_t>(&row_[i])) {
      return std::optional(static_cast<double>(*v));
    }
    if (const auto* s = std::get_if<std::string>(&row_[i])) {
      double v = 0;
      const auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
      if (ec == std::errc() && p == s->data() + s->size()) return std::optional(v);
    }
    return Bad(i, "a number");
  }

  Result<std::int32_t> Pos(std::size_t i) const {
    STARLING_ASSIGN_OR_RETURN(const auto v, Int(i));
    if (!v) return -1;
    if (*v < 0 || *v > INT32_MAX) return Bad(i, "an offset");
    return static_cast<std::int32_t>(*v);
  }

 private:
  Status Bad(std::size_t i, std::string_view what) const {
    const TableInfo* t = FindTable(table_);
    const std::string_view column = t && i < t->columns.size() ? t->columns[i].name : "?";
    return MalformedInput(std::string(table_) + "." + std::string(column) + " is not " +
                          std::string(what));
  }

  std::string_view table_;
  std::span<const Value> row_;
};

Status CheckWidth(const TableInfo& t, std::span<const Value> row) {
  if (row.size() == t.columns.size()) return Status::Ok();
  return MalformedInput("a row of " + std::string(t.name) + " has " + std::to_string(row.size()) +
                        " cells; the table has " + std::to_string(t.columns.size()) + " columns");
}

}  // namespace

std::span<const TableInfo> Tables() {
  static const std::vector<TableInfo> tables = MakeTables();
  return tables;
}

const TableInfo& TableInfoOf(LogicalTable table) {
  return Tables()[static_cast<std::size_t>(table)];
}

const TableInfo* FindTable(std::string_view name) {
  for (const TableInfo& t : Tables()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

int ColumnIndex(const TableInfo& table, std::string_view column) {
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    if (table.columns[i].name == column) return static_cast<int>(i);
  }
  return -1;
}

Status PostRows(LogicalTable table, const model::Post& p, const RowCallback& on_row) {
  const Cell id{std::string_view(p.id)};
  switch (table) {
    case LogicalTable::kPosts: {
      const std::string iso = model::FormatTimestamp(p.created_at);
      const std::array<Cell, 25> row{
          id,
          model::ProviderName(p.provider),
          std::int64_t{p.created_at},
          std::string_view(iso),
          std::string_view(p.author.id),
          std::string_view(p.author.handle),
          std::string_view(p.author.name),
          std::string_view(p.text),
          std::string_view(p.lang),
          model::PostKindName(p.kind),
          TextOrNull(p.ReferencedId()),
          IntOrNull(p.metrics.reposts),
          IntOrNull(p.metrics.replies),
          IntOrNull(p.metrics.likes),
          IntOrNull(p.metrics.quotes),
          IntOrNull(p.metrics.impressions),
          RealOrNull(p.geo.lon),
          RealOrNull(p.geo.lat),
          TextOrNull(p.geo.place_id),
          TextOrNull(p.geo.place_name),
          TextOrNull(p.geo.country_code),
          std::int64_t{p.entities_extracted ? 1 : 0},
          std::string_view(p.source_format),
          TextOrNull(p.raw),
          TextOrNull(p.channel),
      };
      return on_row(row);
    }
    case LogicalTable::kHashtags:
      for (const model::Hashtag& h : p.hashtags) {
        const std::string lower = text::LowerTag(h.tag);
        const std::array<Cell, 5> row{id, std::string_view(h.tag), std::string_view(lower),
                                      Pos(h.range.start), Pos(h.range.end)};
        STARLING_RETURN_IF_ERROR(on_row(row));
      }
      return Status::Ok();
    case LogicalTable::kMentions:
      for (const model::Mention& m : p.mentions) {
        const std::array<Cell, 5> row{id, std::string_view(m.handle), TextOrNull(m.user_id),
                                      Pos(m.range.start), Pos(m.range.end)};
        STARLING_RETURN_IF_ERROR(on_row(row));
      }
      return Status::Ok();
    case LogicalTable::kUrls:
      for (const model::Url& u : p.urls) {
        const std::array<Cell, 7> row{id,
                                      std::string_view(u.url),
                                      TextOrNull(u.expanded_url),
                                      TextOrNull(u.display_url),
                                      TextOrNull(u.unwound_url),
                                      Pos(u.range.start),
                                      Pos(u.range.end)};
        STARLING_RETURN_IF_ERROR(on_row(row));
      }
      return Status::Ok();
    case LogicalTable::kCashtags:
      for (const model::Cashtag& c : p.cashtags) {
        const std::array<Cell, 4> row{id, std::string_view(c.tag), Pos(c.range.start),
                                      Pos(c.range.end)};
        STARLING_RETURN_IF_ERROR(on_row(row));
      }
      return Status::Ok();
    case LogicalTable::kPostReferences:
      for (const model::Reference& r : p.references) {
        const std::array<Cell, 3> row{id, model::ReferenceTypeName(r.type), std::string_view(r.id)};
        STARLING_RETURN_IF_ERROR(on_row(row));
      }
      return Status::Ok();
    case LogicalTable::kMatchingRules:
      for (const model::MatchingRule& r : p.matching_rules) {
        const std::array<Cell, 3> row{id, std::string_view(r.id), std::string_view(r.tag)};
        STARLING_RETURN_IF_ERROR(on_row(row));
      }
      return Status::Ok();
  }
  return Status::Ok();
}

Result<model::Post> PostFromRow(std::span<const Value> row) {
  STARLING_RETURN_IF_ERROR(CheckWidth(TableInfoOf(LogicalTable::kPosts), row));
  const CellReader r("posts", row);
  model::Post p;
  STARLING_ASSIGN_OR_RETURN(p.id, r.Text(0));
  STARLING_ASSIGN_OR_RETURN(const std::string provider, r.Text(1));
  p.provider = model::ProviderFromName(provider).value_or(model::Provider::kUnknown);
  STARLING_ASSIGN_OR_RETURN(const auto created, r.Int(2));
  p.created_at = created.value_or(0);
  STARLING_ASSIGN_OR_RETURN(p.author.id, r.Text(4));
  STARLING_ASSIGN_OR_RETURN(p.author.handle, r.Text(5));
  STARLING_ASSIGN_OR_RETURN(p.author.name, r.Text(6));
  STARLING_ASSIGN_OR_RETURN(p.text, r.Text(7));
  STARLING_ASSIGN_OR_RETURN(p.lang, r.Text(8));
  STARLING_ASSIGN_OR_RETURN(const std::string kind, r.Text(9));
  p.kind = model::PostKindFromName(kind).value_or(model::PostKind::kPost);
  STARLING_ASSIGN_OR_RETURN(p.metrics.reposts, r.Int(11));
  STARLING_ASSIGN_OR_RETURN(p.metrics.replies, r.Int(12));
  STARLING_ASSIGN_OR_RETURN(p.metrics.likes, r.Int(13));
  STARLING_ASSIGN_OR_RETURN(p.metrics.quotes, r.Int(14));
  STARLING_ASSIGN_OR_RETURN(p.metrics.impressions, r.Int(15));
  STARLING_ASSIGN_OR_RETURN(p.geo.lon, r.Real(16));
  STARLING_ASSIGN_OR_RETURN(p.geo.lat, r.Real(17));
  STARLING_ASSIGN_OR_RETURN(p.geo.place_id, r.Text(18));
  STARLING_ASSIGN_OR_RETURN(p.geo.place_name, r.Text(19));
  STARLING_ASSIGN_OR_RETURN(p.geo.country_code, r.Text(20));
  STARLING_ASSIGN_OR_RETURN(const auto extracted, r.Int(21));
  p.entities_extracted = extracted.value_or(0) != 0;
  STARLING_ASSIGN_OR_RETURN(p.source_format, r.Text(22));
  STARLING_ASSIGN_OR_RETURN(p.raw, r.Text(23));
  STARLING_ASSIGN_OR_RETURN(p.channel, r.Text(24));
  return p;
}

Status AddEntityRow(LogicalTable table, std::span<const Value> row, model::Post* p) {
  const TableInfo& t = TableInfoOf(table);
  STARLING_RETURN_IF_ERROR(CheckWidth(t, row));
  const CellReader r(t.name, row);
  switch (table) {
    case LogicalTable::kPosts:
      return InvalidArgument("AddEntityRow: posts is not an entity table");
    case LogicalTable::kHashtags: {
      model::Hashtag h;
      STARLING_ASSIGN_OR_RETURN(h.tag, r.Text(1));
      STARLING_ASSIGN_OR_RETURN(h.range.start, r.Pos(3));
      STARLING_ASSIGN_OR_RETURN(h.range.end, r.Pos(4));
      p->hashtags.push_back(std::move(h));
      return Status::Ok();
    }
    case LogicalTable::kMentions: {
      model::Mention m;
      STARLING_ASSIGN_OR_RETURN(m.handle, r.Text(1));
      STARLING_ASSIGN_OR_RETURN(m.user_id, r.Text(2));
      STARLING_ASSIGN_OR_RETURN(m.range.start, r.Pos(3));
      STARLING_ASSIGN_OR_RETURN(m.range.end, r.Pos(4));
      p->mentions.push_back(std::move(m));
      return Status::Ok();
    }
    case LogicalTable::kUrls: {
      model::Url u;
      STARLING_ASSIGN_OR_RETURN(u.url, r.Text(1));
      STARLING_ASSIGN_OR_RETURN(u.expanded_url, r.Text(2));
      STARLING_ASSIGN_OR_RETURN(u.display_url, r.Text(3));
      STARLING_ASSIGN_OR_RETURN(u.unwound_url, r.Text(4));
      STARLING_ASSIGN_OR_RETURN(u.range.start, r.Pos(5));
      STARLING_ASSIGN_OR_RETURN(u.range.end, r.Pos(6));
      p->urls.push_back(std::move(u));
      return Status::Ok();
    }
    case LogicalTable::kCashtags: {
      model::Cashtag c;
      STARLING_ASSIGN_OR_RETURN(c.tag, r.Text(1));
      STARLING_ASSIGN_OR_RETURN(c.range.start, r.Pos(2));
      STARLING_ASSIGN_OR_RETURN(c.range.end, r.Pos(3));
      p->cashtags.push_back(std::move(c));
      return Status::Ok();
    }
    case LogicalTable::kPostReferences: {
      STARLING_ASSIGN_OR_RETURN(const std::string type, r.Text(1));
      const auto t_type = model::ReferenceTypeFromName(type);
      if (!t_type) return MalformedInput("post_references.type '" + type + "' is not known");
      STARLING_ASSIGN_OR_RETURN(std::string id, r.Text(2));
      p->references.push_back({*t_type, std::move(id)});
      return Status::Ok();
    }
    case LogicalTable::kMatchingRules: {
      model::MatchingRule m;
      STARLING_ASSIGN_OR_RETURN(m.id, r.Text(1));
      STARLING_ASSIGN_OR_RETURN(m.tag, r.Text(2));
      p->matching_rules.push_back(std::move(m));
      return Status::Ok();
    }
  }
  return Status::Ok();
}

std::string TablesMarkdown() {
  std::string md;
  for (const TableInfo& t : Tables()) {
    md += "### `" + std::string(t.name) + "`: " + std::string(t.meaning) + "\n\n";
    md += "| column | type | NULL | meaning |\n|---|---|---|---|\n";
    for (const TableColumn& c : t.columns) {
      const std::string_view type = c.timestamp                  ? "timestamp (int, µs)"
                                    : c.type == ColumnType::kInt ? "int"
                                    : c.type == kReal            ? "real"
                                                                 : "text";
      md += "| `" + std::string(c.name) + "` | " + std::string(type) + " | " +
            (c.nullable ? "yes" : "") + " | " + std::string(c.meaning) + " |\n";
    }
    md += "\n";
  }
  return md;
}

}  // namespace starling::sink
