// File: sink/mongodb/documents.cc
#include "sink/mongodb/documents.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace starling::sink::mongodb {
namespace {

// BSON array keys "0", "1", ...
std::string_view IndexKey(std::uint32_t i, char (&buf)[16]) {
  const char* key = nullptr;
  const std::size_t n = bson_uint32_to_string(i, &key, buf, sizeof buf);
  return {key, n};
}

// A finite double, or NULL: MongoDB servers refuse infinities (FerretDB
// also drops the connection on a NaN), and no logical column holds one.
void AppendReal(bson_t* doc, std::string_view key, double v) {
  if (std::isfinite(v)) {
    bson_append_double(doc, key.data(), static_cast<int>(key.size()), v);
  } else {
    bson_append_null(doc, key.data(), static_cast<int>(key.size()));
  }
}

// One cell of a logical row under its column's name.
void AppendCell(bson_t* doc, std::string_view key, const Cell& c) {
  const int n = static_cast<int>(key.size());
  if (std::holds_alternative<std::monostate>(c)) {
    bson_append_null(doc, key.data(), n);
  } else if (const auto* i = std::get_if<std::int64_t>(&c)) {
    bson_append_int64(doc, key.data(), n, *i);
  } else if (const auto* d = std::get_if<double>(&c)) {
    AppendReal(doc, key, *d);
  } else {
    AppendText(doc, key, std::get<std::string_view>(c));
  }
}

bool AppendJsonValue(bson_t* out, std::string_view key, simdjson::dom::element e);

bool AppendJsonObject(bson_t* out, simdjson::dom::object o) {
  // Keys MongoDB refuses (FerretDB: '$' first, '.', a key twice; BSON: NUL).
  std::vector<std::string_view> keys;
  for (auto field : o) {
    const std::string_view k = field.key;
    if ((!k.empty() && k[0] == '$') || k.find('.') != std::string_view::npos ||
        k.find('\0') != std::string_view::npos) {
      return false;
    }
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return false;
  for (auto field : o) {
    if (!AppendJsonValue(out, field.key, field.value)) return false;
  }
  return true;
}

bool AppendJsonValue(bson_t* out, std::string_view key, simdjson::dom::element e) {
  const int n = static_cast<int>(key.size());
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      bson_t sub;
      bson_append_document_begin(out, key.data(), n, &sub);
      const bool ok = AppendJsonObject(&sub, e.get_object().value_unsafe());
      bson_append_document_end(out, &sub);
      return ok;
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array items;
      if (e.get_array().get(items) != simdjson::SUCCESS) return false;
      bson_t sub;
      bson_append_array_begin(out, key.data(), n, &sub);
      std::uint32_t i = 0;
      bool ok = true;
      for (simdjson::dom::element v : items) {
        char buf[16];
        if (!(ok = AppendJsonValue(&sub, IndexKey(i++, buf), v))) break;
      }
      bson_append_array_end(out, &sub);
      return ok;
    }
    case simdjson::dom::element_type::INT64:
      return bson_append_int64(out, key.data(), n, e.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return false;  // above INT64_MAX: BSON has no type that holds it exactly
    case simdjson::dom::element_type::DOUBLE:
      return bson_append_double(out, key.data(), n, e.get_double().value_unsafe());
    case simdjson::dom::element_type::STRING: {
      const std::string_view s = e.get_string().value_unsafe();
      return bson_append_utf8(out, key.data(), n, s.data(), static_cast<int>(s.size()));
    }
    case simdjson::dom::element_type::BOOL:
      return bson_append_bool(out, key.data(), n, e.get_bool().value_unsafe());
    case simdjson::dom::element_type::NULL_VALUE:
      return bson_append_null(out, key.data(), n);
    default:
      return false;
  }
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      switch (c) {
        case '\n':
          out->append("\\n");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\r':
          out->append("\\r");
          break;
        default: {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        }
      }
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

void AppendDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  const std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
  out->append(s);
  if (s.find_first_of(".eE") == std::string_view::npos) out->append(".0");
}

// Any other BSON value as relaxed extended JSON ({"$oid": ...}).
void AppendExtendedJson(const bson_iter_t& it, std::string* out) {
  Bson tmp = NewBson();
  bson_append_iter(tmp.get(), "v", 1, &it);
  std::size_t len = 0;
  char* json = bson_as_relaxed_extended_json(tmp.get(), &len);
  if (json == nullptr) {
    out->append("null");
    return;
  }
  // { "v" : VALUE }
  std::string_view s(json, len);
  const std::size_t colon = s.find(':');
  s = colon == std::string_view::npos ? std::string_view("null") : s.substr(colon + 1);
  while (!s.empty() && (s.front() == ' ')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '}')) s.remove_suffix(1);
  out->append(s);
  bson_free(json);
}

void AppendJsonIter(bson_iter_t* it, bool array, std::string* out) {
  out->push_back(array ? '[' : '{');
  bool first = true;
  while (bson_iter_next(it)) {
    if (!first) out->push_back(',');
    first = false;
    if (!array) {
      std::uint32_t klen = bson_iter_key_len(it);
      AppendJsonString(std::string_view(bson_iter_key(it), klen), out);
      out->push_back(':');
    }
    switch (bson_iter_type(it)) {
      case BSON_TYPE_DOCUMENT:
      case BSON_TYPE_ARRAY: {
        bson_iter_t sub;
        bson_iter_recurse(it, &sub);
        AppendJsonIter(&sub, bson_iter_type(it) == BSON_TYPE_ARRAY, out);
        break;
      }
      case BSON_TYPE_UTF8: {
        std::uint32_t len = 0;
        const char* s = bson_iter_utf8(it, &len);
        AppendJsonString(std::string_view(s, len), out);
        break;
      }
      case BSON_TYPE_INT32:
        out->append(std::to_string(bson_iter_int32(it)));
        break;
      case BSON_TYPE_INT64:
        out->append(std::to_string(bson_iter_int64(it)));
        break;
      case BSON_TYPE_DOUBLE:
        AppendDouble(bson_iter_double(it), out);
        break;
      case BSON_TYPE_BOOL:
        out->append(bson_iter_bool(it) ? "true" : "false");
        break;
      case BSON_TYPE_NULL:
      case BSON_TYPE_UNDEFINED:
        out->append("null");
        break;
      default:
        AppendExtendedJson(*it, out);
    }
  }
  out->push_back(array ? ']' : '}');
}

std::string_view TextOf(const bson_iter_t& it) {
  std::uint32_t len = 0;
  const char* s = bson_iter_utf8(&it, &len);
  return {s, len};
}

// The logical row of `table` from a document (posts) or an entity element
// (its columns by name; post_id, when missing, the post's). A missing
// field reads as NULL.
Status RowOf(const TableInfo& t, const bson_t& doc, std::string_view post_id,
             std::vector<Value>* row) {
  row->assign(t.columns.size(), Value{});
  const bool posts = t.table == LogicalTable::kPosts;
  bson_iter_t it;
  if (!bson_iter_init(&it, &doc))
    return MalformedInput("a " + std::string(t.name) + " is not BSON");
  const int created = posts ? ColumnIndex(t, "created_at") : -1;
  const int raw = posts ? ColumnIndex(t, "raw") : -1;
  while (bson_iter_next(&it)) {
    const std::string_view key(bson_iter_key(&it), bson_iter_key_len(&it));
    int i = -1;
    if (posts && key == kCreatedAtUs) {
      i = created;
    } else if (key != "created_at" || !posts) {
      i = ColumnIndex(t, key);
    }
    if (i < 0) continue;
    if (i == raw && (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it))) {
      std::string json;
      bson_iter_t sub;
      bson_iter_recurse(&it, &sub);
      AppendJsonIter(&sub, BSON_ITER_HOLDS_ARRAY(&it), &json);
      (*row)[static_cast<std::size_t>(i)] = std::move(json);
      continue;
    }
    (*row)[static_cast<std::size_t>(i)] = CellOf(it);
  }
  // An element without its post_id (written by hand): its post's.
  if (!posts && std::holds_alternative<std::monostate>((*row)[0])) {
    (*row)[0] = std::string(post_id);
  }
  return Status::Ok();
}

}  // namespace

Bson PostEncoder::Encode(const model::Post& post) {
  Bson doc = NewBson();
  bson_t* d = doc.get();
  AppendText(d, "_id", post.id);
  const TableInfo& posts = TableInfoOf(LogicalTable::kPosts);
  (void)PostRows(LogicalTable::kPosts, post, [&](std::span<const Cell> cells) -> Status {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const TableColumn& c = posts.columns[i];
      if (c.timestamp) {
        const std::int64_t us = std::get<std::int64_t>(cells[i]);
        // A BSON date holds milliseconds: floored, so a time before 1970
        // stays in its millisecond.
        const std::int64_t ms = us / 1000 - (us % 1000 < 0 ? 1 : 0);
        bson_append_date_time(d, c.name.data(), static_cast<int>(c.name.size()), ms);
        bson_append_int64(d, kCreatedAtUs.data(), static_cast<int>(kCreatedAtUs.size()), us);
      } else if (c.name == "raw" && std::holds_alternative<std::string_view>(cells[i])) {
        const std::string_view json = std::get<std::string_view>(cells[i]);
        bson_t sub;
        bson_append_document_begin(d, "raw", 3, &sub);
        const bool ok = JsonToBson(parser_, json, &sub);
        bson_append_document_end(d, &sub);
        if (!ok) {
          // The half-written document goes; the text takes its place.
          Bson copy = NewBson();
          bson_copy_to_excluding_noinit(d, copy.get(), "raw", nullptr);
          AppendText(copy.get(), "raw", json);
          doc = std::move(copy);
          d = doc.get();
        }
      } else {
        AppendCell(d, c.name, cells[i]);
      }
    }
    return Status::Ok();
  });
  for (const TableInfo& t : Tables()) {
    if (t.table == LogicalTable::kPosts) continue;
    bson_t arr;
    bson_append_array_begin(d, t.name.data(), static_cast<int>(t.name.size()), &arr);
    std::uint32_t n = 0;
    (void)PostRows(t.table, post, [&](std::span<const Cell> cells) -> Status {
      char buf[16];
      const std::string_view key = IndexKey(n++, buf);
      bson_t e;
      bson_append_document_begin(&arr, key.data(), static_cast<int>(key.size()), &e);
      for (std::size_t i = 0; i < cells.size(); ++i) AppendCell(&e, t.columns[i].name, cells[i]);
      bson_append_document_end(&arr, &e);
      return Status::Ok();
    });
    bson_append_array_end(d, &arr);
  }
  return doc;
}

Result<model::Post> DecodePost(const bson_t& doc) {
  const TableInfo& posts = TableInfoOf(LogicalTable::kPosts);
  std::vector<Value> row;
  STARLING_RETURN_IF_ERROR(RowOf(posts, doc, {}, &row));
  STARLING_ASSIGN_OR_RETURN(model::Post post, PostFromRow(row));
  for (const TableInfo& t : Tables()) {
    if (t.table == LogicalTable::kPosts) continue;
    bson_iter_t it;
    bson_iter_t elems;
    if (!bson_iter_init_find(&it, &doc, std::string(t.name).c_str()) ||
        !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &elems)) {
      continue;
    }
    while (bson_iter_next(&elems)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&elems)) {
        return MalformedInput("post " + post.id + ": an element of " + std::string(t.name) +
                              " is not a document");
      }
      std::uint32_t len = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_document(&elems, &len, &data);
      bson_t e;
      if (!bson_init_static(&e, data, len)) return MalformedInput("post " + post.id + ": bad BSON");
      STARLING_RETURN_IF_ERROR(RowOf(t, e, post.id, &row));
      STARLING_RETURN_IF_ERROR(AddEntityRow(t.table, row, &post));
    }
  }
  return post;
}

bool JsonToBson(simdjson::dom::parser& parser, std::string_view json, bson_t* out) {
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::object o;
  if (root.get_object().get(o) != simdjson::SUCCESS) return false;
  return AppendJsonObject(out, o);
}

void AppendJson(const bson_t& doc, bool array, std::string* out) {
  bson_iter_t it;
  if (!bson_iter_init(&it, &doc)) {
    out->append("null");
    return;
  }
  AppendJsonIter(&it, array, out);
}

Value CellOf(const bson_iter_t& it) {
  switch (bson_iter_type(&it)) {
    case BSON_TYPE_INT32:
      return std::int64_t{bson_iter_int32(&it)};
    case BSON_TYPE_INT64:
      return std::int64_t{bson_iter_int64(&it)};
    case BSON_TYPE_DOUBLE:
      return bson_iter_double(&it);
    case BSON_TYPE_UTF8:
      return std::string(TextOf(it));
    case BSON_TYPE_BOOL:
      return std::int64_t{bson_iter_bool(&it) ? 1 : 0};
    case BSON_TYPE_DATE_TIME:
      return bson_iter_date_time(&it) * 1000;
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_EOD:
      return Value{};
    case BSON_TYPE_OID: {
      char hex[25];
      bson_oid_to_string(bson_iter_oid(&it), hex);
      return std::string(hex);
    }
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
      std::string json;
      bson_iter_t sub;
      bson_iter_recurse(&it, &sub);
      AppendJsonIter(&sub, BSON_ITER_HOLDS_ARRAY(&it), &json);
      return json;
    }
    default: {
      std::string json;
      AppendExtendedJson(it, &json);
      return json;
    }
  }
}

namespace {
void Flatten(bson_iter_t* it, const std::string& prefix,
             std::vector<std::pair<std::string, Value>>* out) {
  while (bson_iter_next(it)) {
    std::string name = prefix + std::string(bson_iter_key(it), bson_iter_key_len(it));
    if (BSON_ITER_HOLDS_DOCUMENT(it)) {
      bson_iter_t sub;
      bson_iter_recurse(it, &sub);
      Flatten(&sub, name + ".", out);
    } else {
      out->emplace_back(std::move(name), CellOf(*it));
    }
  }
}
}  // namespace

void FlattenDocument(const bson_t& doc, std::vector<std::pair<std::string, Value>>* out) {
  out->clear();
  bson_iter_t it;
  if (bson_iter_init(&it, &doc)) Flatten(&it, "", out);
}

}  // namespace starling::sink::mongodb
