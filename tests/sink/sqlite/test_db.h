// File: tests/sink/sqlite/test_db.h
// Looking into a SQLite file from a test, on its own connection, through the
// store's wrapper (sink/sqlite/database.h).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "sink/sqlite/database.h"

namespace starling::sink::testing {

// The first column of the first row of `sql`, as an integer; -1 without a row.
inline std::int64_t QueryInt(const std::string& path, const std::string& sql) {
  auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadOnly);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return -1;
  auto s = db->Prepare(sql, "test");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return -1;
  auto row = s->Step("test");
  return row.ok() && *row ? s->Int(0) : -1;
}

// The same as text: "<null>" for NULL or no row.
inline std::string QueryText(const std::string& path, const std::string& sql) {
  auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadOnly);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return "<error>";
  auto s = db->Prepare(sql, "test");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return "<error>";
  auto row = s->Step("test");
  if (!row.ok() || !*row || s->IsNull(0)) return "<null>";
  return s->Text(0);
}

// Every row of `sql`, columns joined by '|', one line each ("NULL" for NULL).
inline std::string QueryRows(const std::string& path, const std::string& sql) {
  auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadOnly);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return "<error>";
  auto s = db->Prepare(sql, "test");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return "<error>";
  std::string out;
  for (;;) {
    auto row = s->Step("test");
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    if (!row.ok() || !*row) break;
    for (int c = 0; c < s->ColumnCount(); ++c) {
      out += (s->IsNull(c) ? std::string("NULL") : s->Text(c)) +
             (c + 1 < s->ColumnCount() ? "|" : "\n");
    }
  }
  return out;
}

// Runs `sql` (statements that return nothing) on a read-write connection.
inline void Exec(const std::string& path, const std::string& sql) {
  auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Status st = db->Exec(sql, "test");
  ASSERT_TRUE(st.ok()) << st.ToString();
}

}  // namespace starling::sink::testing
