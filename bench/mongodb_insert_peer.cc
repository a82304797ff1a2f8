// The peer of `starling collect ... -o mongodb://...` (bench/mongodb_load.sh):
// the same documents, inserted with plain libmongoc insert_many calls (no
// parsing, no encoding, no upsert path). It copies collection FROM (the
// posts a collect wrote) into collection TO in unordered batches and times
// the inserts only. mongoimport is not packaged in Debian 12, so this is
// the floor a loader of this server can reach. TO gets FROM's indexes first.
//   MONGODB_PASSWORD=... mongodb_insert_peer HOST PORT DB FROM TO [BATCH]
#include <mongoc/mongoc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s HOST PORT DB FROM TO [BATCH]\n", argv[0]);
    return 2;
  }
  const std::size_t batch = argc > 6 ? std::strtoul(argv[6], nullptr, 10) : 5000;
  mongoc_init();
  mongoc_uri_t* uri = mongoc_uri_new_for_host_port(argv[1], std::atoi(argv[2]));
  mongoc_uri_set_database(uri, argv[3]);
  if (const char* pw = std::getenv("MONGODB_PASSWORD")) {
    mongoc_uri_set_username(uri, "starling");
    mongoc_uri_set_password(uri, pw);
    mongoc_uri_set_auth_source(uri, argv[3]);
  }
  mongoc_client_t* client = mongoc_client_new_from_uri(uri);
  mongoc_collection_t* from = mongoc_client_get_collection(client, argv[3], argv[4]);
  mongoc_collection_t* to = mongoc_client_get_collection(client, argv[3], argv[5]);
  mongoc_collection_drop(to, nullptr);
  // The same indexes as FROM (a collect creates them first), one per
  // command as the store does.
  mongoc_cursor_t* indexes = mongoc_collection_find_indexes_with_opts(from, nullptr);
  const bson_t* index = nullptr;
  while (mongoc_cursor_next(indexes, &index)) {
    bson_iter_t it;
    if (bson_iter_init_find(&it, index, "name") &&
        std::string(bson_iter_utf8(&it, nullptr)) == "_id_") {
      continue;
    }
    bson_t cmd = BSON_INITIALIZER, list, one;
    BSON_APPEND_UTF8(&cmd, "createIndexes", argv[5]);
    BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &list);
    BSON_APPEND_DOCUMENT_BEGIN(&list, "0", &one);
    bson_iter_t f;
    bson_iter_init(&f, index);
    while (bson_iter_next(&f)) {
      const std::string key = bson_iter_key(&f);
      if (key == "key" || key == "name" || key == "unique") bson_append_iter(&one, nullptr, 0, &f);
    }
    bson_append_document_end(&list, &one);
    bson_append_array_end(&cmd, &list);
    bson_error_t e;
    if (!mongoc_client_command_simple(client, argv[3], &cmd, nullptr, nullptr, &e)) {
      std::fprintf(stderr, "createIndexes: %s\n", e.message);
      return 1;
    }
    bson_destroy(&cmd);
  }
  mongoc_cursor_destroy(indexes);
  bson_t filter = BSON_INITIALIZER;
  bson_t opts = BSON_INITIALIZER;
  BSON_APPEND_INT32(&opts, "batchSize", 1000);
  mongoc_cursor_t* cursor = mongoc_collection_find_with_opts(from, &filter, &opts, nullptr);
  bson_t insert_opts = BSON_INITIALIZER;
  BSON_APPEND_BOOL(&insert_opts, "ordered", false);
  BSON_APPEND_BOOL(&insert_opts, "validate", false);
  // A plain array: bson_t's alignment attribute is lost in a template argument.
  auto** docs = static_cast<const bson_t**>(std::calloc(batch, sizeof(bson_t*)));
  std::size_t n = 0;
  double seconds = 0;
  std::size_t total = 0;
  bson_error_t error;
  auto flush = [&]() -> bool {
    if (n == 0) return true;
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = mongoc_collection_insert_many(to, docs, n, &insert_opts, nullptr, &error);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    total += n;
    for (std::size_t i = 0; i < n; ++i) bson_destroy(const_cast<bson_t*>(docs[i]));
    n = 0;
    if (!ok) std::fprintf(stderr, "insert_many: %s\n", error.message);
    return ok;
  };
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor, &doc)) {
    docs[n++] = bson_copy(doc);
    if (n >= batch && !flush()) return 1;
  }
  if (!flush()) return 1;
  if (mongoc_cursor_error(cursor, &error)) {
    std::fprintf(stderr, "find: %s\n", error.message);
    return 1;
  }
  std::printf("insert_many: %zu documents in %.2f s (%.0f docs/s), batches of %zu\n", total,
              seconds, total / seconds, batch);
  std::free(docs);
  mongoc_cursor_destroy(cursor);
  mongoc_collection_destroy(from);
  mongoc_collection_destroy(to);
  mongoc_client_destroy(client);
  mongoc_uri_destroy(uri);
  mongoc_cleanup();
  return 0;
}
