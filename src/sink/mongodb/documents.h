// File: sink/mongodb/documents.h
// The MongoDB store's documents, owned here and nowhere else
// (docs/stores.md, "MongoDB"): a post is one document of `posts`, _id its
// id, every column of the logical `posts` table (sink/tables.h) a field of
// the same name, created_at a BSON date (milliseconds) with the exact
// microseconds beside it in created_at_us, raw the provider's JSON as a
// BSON document (or its text when MongoDB cannot hold it as one), and each
// entity table an array of the same name whose elements are the entity
// rows, post_id included: `$unwind` of an array gives the entity table
// (FerretDB keeps only _id and the unwound field through $unwind and has no
// $replaceRoot, so the element itself carries the whole row).
// Also: BSON back to JSON, and the typed cells of an answer (queries).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/post.h"
#include "sink/mongodb/client.h"
#include "sink/tables.h"

namespace starling::sink::mongodb {

// The field beside created_at that keeps its microseconds (a BSON date
// holds milliseconds).
inline constexpr std::string_view kCreatedAtUs = "created_at_us";

// Posts as documents. Holds a JSON parser (for raw) reused across posts.
class PostEncoder {
 public:
  // The post's document.
  Bson Encode(const model::Post& post);

 private:
  simdjson::dom::parser parser_;
};

// A post from its document (every field, entities in their order).
// MalformedInput when a field has the wrong type.
Result<model::Post> DecodePost(const bson_t& doc);

// The provider's JSON as a BSON document when MongoDB keeps it as the same
// JSON: an object whose keys MongoDB takes (none starts with '$' or holds
// '.' or NUL, none twice in one object) and whose numbers fit an int64 or a
// double. False otherwise (the store keeps the text).
bool JsonToBson(simdjson::dom::parser& parser, std::string_view json, bson_t* out);

// A document or array as compact JSON (numbers as written by to_chars; a
// double keeps a fraction or exponent so it reads back as a double).
void AppendJson(const bson_t& doc, bool array, std::string* out);

// A cell of an answer: int32/int64 as int64, double, string, null (or
// undefined) as NULL, bool as 0/1, a date as UTC microseconds, an ObjectId
// as its hex, an array as its JSON, anything else as its extended JSON.
Value CellOf(const bson_iter_t& it);

// The top-level fields of an answer's document as columns: a subdocument's
// fields become "field.sub" (recursively), so an `$unwind`ed entity reads as
// columns without `$project`.
void FlattenDocument(const bson_t& doc, std::vector<std::pair<std::string, Value>>* out);

}  // namespace starling::sink::mongodb
