// File: sink/mongodb/client.h
// The one RAII wrapper over libmongoc and libbson: a client of one database
// (logged in by SCRAM when a password is given, pinged on open), owned BSON
// documents, cursors walked to the end, and libmongoc's errors as Status:
// Unavailable when the server cannot be reached or the connection broke
// (worth trying again on a new client), InvalidArgument when the server
// refused a command or a document, or the login. A client belongs to one
// thread at a time (libmongoc's single-threaded client).
#pragma once

#include <mongoc/mongoc.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "sink/server/server.h"

namespace starling::sink::mongodb {

// An owned heap BSON document (movable; bson_t itself is not). Not a
// unique_ptr: bson_t's alignment attribute is lost in a template argument.
class Bson {
 public:
  Bson() = default;
  explicit Bson(bson_t* b) : b_(b) {}
  Bson(Bson&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
  Bson& operator=(Bson&& o) noexcept {
    if (this != &o) {
      if (b_ != nullptr) bson_destroy(b_);
      b_ = std::exchange(o.b_, nullptr);
    }
    return *this;
  }
  Bson(const Bson&) = delete;
  Bson& operator=(const Bson&) = delete;
  ~Bson() {
    if (b_ != nullptr) bson_destroy(b_);
  }
  bson_t* get() const { return b_; }
  bson_t& operator*() const { return *b_; }
  explicit operator bool() const { return b_ != nullptr; }

 private:
  bson_t* b_ = nullptr;
};
inline Bson NewBson() { return Bson(bson_new()); }

struct CollectionDeleter {
  void operator()(mongoc_collection_t* c) const { mongoc_collection_destroy(c); }
};
using Collection = std::unique_ptr<mongoc_collection_t, CollectionDeleter>;

struct CursorDeleter {
  void operator()(mongoc_cursor_t* c) const { mongoc_cursor_destroy(c); }
};
using Cursor = std::unique_ptr<mongoc_cursor_t, CursorDeleter>;

struct BulkDeleter {
  void operator()(mongoc_bulk_operation_t* b) const { mongoc_bulk_operation_destroy(b); }
};
using Bulk = std::unique_ptr<mongoc_bulk_operation_t, BulkDeleter>;

// Appends UTF-8 text with its length (a NUL inside is kept).
inline void AppendText(bson_t* doc, std::string_view key, std::string_view value) {
  bson_append_utf8(doc, key.data(), static_cast<int>(key.size()), value.data(),
                   static_cast<int>(value.size()));
}

class Client {
 public:
  Client() = default;
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // Connects to the address's database (authSource: the same database, the
  // MongoDB URI's default) and pings it, so an unreachable server or a
  // refused login fails here, not at the first write.
  static Result<Client> Open(const server::Address& address,
                             std::chrono::microseconds connect_timeout);

  bool is_open() const { return client_ != nullptr; }
  const std::string& display() const { return display_; }

  // A collection of the database (created by the server on first write).
  Collection Get(std::string_view collection) const;

  // Runs a command on the database; its reply into *reply when given.
  Status Command(const bson_t& command, std::string_view what, Bson* reply = nullptr);
  // True when the database holds the collection.
  Result<bool> Has(std::string_view collection);
  // Drops the collection; a missing one is fine.
  Status Drop(std::string_view collection);
  // Passes every document of `cursor` to on_doc (a callable taking
  // `const bson_t&` and returning Status), then reports the cursor's error;
  // stops at the first non-OK Status on_doc returns. (A template: bson_t's
  // alignment attribute would be lost in a std::function's signature.)
  template <typename OnDoc>
  Status Walk(mongoc_cursor_t* cursor, std::string_view what, OnDoc&& on_doc) {
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor, &doc)) STARLING_RETURN_IF_ERROR(on_doc(*doc));
    bson_error_t error;
    if (mongoc_cursor_error(cursor, &error)) return Failure(what, error);
    return Status::Ok();
  }

  // libmongoc's error as Status (see the file comment).
  Status Failure(std::string_view what, const bson_error_t& error) const;

 private:
  mongoc_client_t* client_ = nullptr;
  std::string database_;
  std::string display_;
  bool has_password_ = false;
};

// Writes to one collection as bulk commands, in the order added: inserts,
// replace-by-selector and update upserts, and deletes. FerretDB 1.24
// (SQLite) hangs for good on an update command of more than about 100
// statements that match documents (each holds a SQLite connection until
// the command ends, and the pool runs dry), so the statements that query
// (replaces, updates, deletes) go at most kQueryingStatements to a command;
// inserts go as libmongoc splits them (maxWriteBatchSize, 48 MB).
class Writes {
 public:
  static constexpr int kQueryingStatements = 50;

  Writes(Client& client, std::string_view collection, bool ordered);

  Status Insert(const bson_t& doc);
  Status ReplaceUpsert(const bson_t& selector, const bson_t& doc);
  Status UpdateUpsert(const bson_t& selector, const bson_t& update);
  Status RemoveMany(const bson_t& selector);
  // Runs what is left. On a write the server refused, the reply's first
  // write error says why.
  Status Finish();

 private:
  Status Counted();
  Status Begin();

  Client& client_;
  Collection collection_;
  std::string name_;
  bool ordered_;
  Bulk bulk_;
  int querying_ = 0;
  bool empty_ = true;
};

// Opens a client, trying again by `retry` while the server does not answer.
Result<Client> ConnectRetrying(const server::Address& address, const server::RetryPolicy& retry);

}  // namespace starling::sink::mongodb
