// File: sink/mongodb/schema.cc
#include "sink/mongodb/schema.h"

#include <initializer_list>
#include <string>
#include <vector>

#include "model/result_columns.h"
#include "sink/mongodb/documents.h"

namespace starling::sink::mongodb {
namespace {

struct Index {
  std::string_view name;
  std::vector<std::string_view> keys;  // ascending
  bool unique = false;
};

// One index per command: FerretDB 1.24 drops the connection (a panic) on a
// createIndexes of several indexes that all exist already; one that exists
// alone is answered "all indexes already exist", as MongoDB does.
Status CreateIndexes(Client& client, std::string_view collection,
                     std::initializer_list<Index> indexes) {
  for (const Index& i : indexes) {
    Bson cmd = NewBson();
    AppendText(cmd.get(), "createIndexes", collection);
    bson_t list, index, keys;
    BSON_APPEND_ARRAY_BEGIN(cmd.get(), "indexes", &list);
    BSON_APPEND_DOCUMENT_BEGIN(&list, "0", &index);
    BSON_APPEND_DOCUMENT_BEGIN(&index, "key", &keys);
    for (std::string_view f : i.keys) {
      bson_append_int32(&keys, f.data(), static_cast<int>(f.size()), 1);
    }
    bson_append_document_end(&index, &keys);
    AppendText(&index, "name", i.name);
    if (i.unique) BSON_APPEND_BOOL(&index, "unique", true);
    bson_append_document_end(&list, &index);
    bson_append_array_end(cmd.get(), &list);
    STARLING_RETURN_IF_ERROR(client.Command(
        *cmd, "creating the index " + std::string(i.name) + " of " + std::string(collection)));
  }
  return Status::Ok();
}

}  // namespace

Status EnsurePostsSchema(Client& client, bool replace) {
  if (replace) STARLING_RETURN_IF_ERROR(client.Drop("posts"));
  STARLING_RETURN_IF_ERROR(CreateIndexes(client, "posts",
                                         {{"posts_created_at", {"created_at"}},
                                          {"posts_order", {kCreatedAtUs, "_id"}},
                                          {"posts_author_id", {"author_id"}},
                                          {"posts_author_handle", {"author_handle"}},
                                          {"posts_channel", {"channel"}},
                                          {"hashtags_tag_lower", {"hashtags.tag_lower"}},
                                          {"mentions_handle", {"mentions.handle"}},
                                          {"post_references_ref_id", {"post_references.ref_id"}},
                                          {"matching_rules_rule_id", {"matching_rules.rule_id"}}}));
  // The version, set once ($setOnInsert), then compared.
  Bson cmd = NewBson();
  BSON_APPEND_UTF8(cmd.get(), "findAndModify", "meta");
  bson_t q, u, set;
  BSON_APPEND_DOCUMENT_BEGIN(cmd.get(), "query", &q);
  BSON_APPEND_UTF8(&q, "_id", "schema_version");
  bson_append_document_end(cmd.get(), &q);
  BSON_APPEND_DOCUMENT_BEGIN(cmd.get(), "update", &u);
  BSON_APPEND_DOCUMENT_BEGIN(&u, "$setOnInsert", &set);
  AppendText(&set, "value", kSchemaVersion);
  bson_append_document_end(&u, &set);
  bson_append_document_end(cmd.get(), &u);
  BSON_APPEND_BOOL(cmd.get(), "upsert", true);
  BSON_APPEND_BOOL(cmd.get(), "new", true);
  Bson reply;
  STARLING_RETURN_IF_ERROR(client.Command(*cmd, "storing the schema version", &reply));
  bson_iter_t it;
  if (bson_iter_init(&it, reply.get()) && bson_iter_find_descendant(&it, "value.value", &it) &&
      BSON_ITER_HOLDS_UTF8(&it)) {
    if (std::string_view(bson_iter_utf8(&it, nullptr)) != kSchemaVersion) {
      return Unsupported("MongoDB " + client.display() +
                         " has another Starling schema version; this build writes version " +
                         std::string(kSchemaVersion));
    }
  }
  return Status::Ok();
}

Status EnsureResultsSchema(Client& client, bool replace) {
  if (replace) {
    STARLING_RETURN_IF_ERROR(client.Drop("analyses"));
    STARLING_RETURN_IF_ERROR(client.Drop("windows"));
    for (const model::ResultKindInfo& k : model::ResultKinds()) {
      STARLING_RETURN_IF_ERROR(client.Drop(k.table));
    }
  }
  STARLING_RETURN_IF_ERROR(
      CreateIndexes(client, "analyses", {{"analyses_key", {"pipeline", "analysis"}, true}}));
  STARLING_RETURN_IF_ERROR(
      CreateIndexes(client, "windows",
                    {{"windows_key", {"pipeline", "analysis", "window_start", "window_end"}, true},
                     {"windows_seq", {"seq"}}}));
  for (const model::ResultKindInfo& k : model::ResultKinds()) {
    const std::string name = std::string(k.table) + "_window";
    STARLING_RETURN_IF_ERROR(CreateIndexes(
        client, k.table, {{name, {"pipeline", "analysis", "window_start", "window_end"}}}));
  }
  return Status::Ok();
}

}  // namespace starling::sink::mongodb
