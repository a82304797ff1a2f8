// File: sink/server/sql_result_store.h
// The window-result reader (sink/store.h's ResultStore) of the stores on SQL
// servers (PostgreSQL, MariaDB): the same statements over the same tables
// (docs/formats/results.md), through the few pieces that differ by engine
// (SqlEngine: how to run a SELECT, quote a text and name a column).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sink/store.h"

namespace starling::sink::server {

class SqlEngine {
 public:
  virtual ~SqlEngine() = default;
  // The store as messages name it (its address), never a secret.
  virtual const std::string& Name() const = 0;
  // The engine as messages name it ("PostgreSQL").
  virtual std::string_view Product() const = 0;
  // Runs one SELECT, passing each row's cells as they arrive.
  virtual Status Select(std::string_view sql,
                        const std::function<Status(std::span<const Value>)>& on_row) = 0;
  // `text` as a quoted string literal of the engine.
  virtual std::string Literal(std::string_view text) = 0;
  // A column name quoted ("by", `by`).
  virtual std::string Identifier(std::string_view name) const = 0;
  // Whether the store holds the results tables (its `windows` table).
  virtual Result<bool> HasResults() = 0;
};

// The reader over `engine`. NotFound from every call when the store holds no
// results tables; the engine's errors.
std::unique_ptr<ResultStore> MakeSqlResultStore(std::unique_ptr<SqlEngine> engine);

}  // namespace starling::sink::server
