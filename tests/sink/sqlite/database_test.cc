// Tests for sink/sqlite/database.h (the RAII wrapper every SQLite reader and
// writer uses), RemoveDatabase, and the join reader (sink/store.h).
#include "sink/sqlite/database.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sink/post_fixtures.h"
#include "sink/sqlite/test_db.h"
#include "sink/store.h"

namespace starling::sink::sqlite {
namespace {

using sink::testing::Exec;
using sink::testing::TempPath;

TEST(SqliteDatabase, BindsStepsAndReadsColumns) {
  const std::string path = TempPath(".db");
  auto db = Database::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(db->path(), path);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (a TEXT, b INTEGER, c REAL)", "create").ok());
  auto insert = db->Prepare("INSERT INTO t VALUES (?1, ?2, ?3)", "prepare", true);
  ASSERT_TRUE(insert.ok()) << insert.status().ToString();
  const std::string nul("x\0y", 3);
  insert->BindText(1, nul);
  insert->BindInt(2, 1LL << 40);
  insert->BindDouble(3, 0.5);
  ASSERT_TRUE(insert->Run("insert").ok());
  insert->BindTextOrNull(1, "");
  insert->BindIntOrNull(2, std::nullopt);
  insert->BindDoubleOrNull(3, std::nullopt);
  ASSERT_TRUE(insert->Run("insert").ok());

  auto select = db->Prepare("SELECT a, b, c FROM t ORDER BY rowid", "prepare");
  ASSERT_TRUE(select.ok());
  EXPECT_EQ(select->ColumnCount(), 3);
  EXPECT_EQ(select->ColumnName(1), "b");
  auto row = select->Step("read");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->Text(0), nul);  // bytes as stored, NUL included
  EXPECT_EQ(select->Int(1), 1LL << 40);
  EXPECT_EQ(select->OptDouble(2), 0.5);
  row = select->Step("read");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_TRUE(select->IsNull(0));
  EXPECT_EQ(select->Text(0), "");
  EXPECT_EQ(select->OptInt(1), std::nullopt);
  EXPECT_EQ(select->OptDouble(2), std::nullopt);
  row = select->Step("read");
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
}

TEST(SqliteDatabase, FailuresSayWhatAndWhy) {
  const std::string path = TempPath(".db");
  auto db = Database::Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok());
  auto bad = db->Prepare("SELECT * FROM nowhere", "SQLite " + path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kIoError);
  EXPECT_EQ(bad.status().message(), "SQLite " + path + ": no such table: nowhere");
  EXPECT_EQ(db->ErrorMessage(), "no such table: nowhere");
  Status exec = db->Exec("NOT SQL", "exec");
  EXPECT_EQ(exec.code(), StatusCode::kIoError);
  EXPECT_EQ(exec.message().rfind("exec: ", 0), 0u) << exec.message();
  ASSERT_TRUE(db->Exec("CREATE TABLE u (k TEXT PRIMARY KEY)", "create").ok());
  auto insert = db->Prepare("INSERT INTO u VALUES ('a')", "prepare");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->Run("insert").ok());
  Status twice = insert->Run("insert");
  EXPECT_EQ(twice.code(), StatusCode::kIoError);
  EXPECT_NE(twice.message().find("UNIQUE constraint failed"), std::string::npos) << twice.message();
  // A statement still prepared: Close says so, and the connection goes
  // when the statement does.
  Status closed = db->Close("close");
  EXPECT_FALSE(closed.ok());
  EXPECT_FALSE(db->is_open());
  EXPECT_TRUE(db->Close("close").ok());  // idempotent

  auto missing = Database::Open(TempPath("-missing.db"), OpenMode::kReadOnly);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message().rfind("cannot open SQLite database ", 0), 0u)
      << missing.status().message();
}

TEST(SqliteDatabase, RemoveDatabaseRefusesOtherFiles) {
  const std::string path = TempPath(".db");
  EXPECT_TRUE(RemoveDatabase(path).ok());  // nothing there
  Exec(path, "CREATE TABLE t (a)");
  EXPECT_TRUE(IsDatabaseFile(path));
  std::ofstream(path + "-wal") << "x";
  ASSERT_TRUE(RemoveDatabase(path).ok());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));

  std::ofstream(path) << "not a database\n";
  EXPECT_FALSE(IsDatabaseFile(path));
  Status st = RemoveDatabase(path);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path + " exists and is not a SQLite database; not replacing it");
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(ReadSqliteJoin, KeysLabelsAndErrors) {
  const std::string path = TempPath(".db");
  Exec(path,
       "CREATE TABLE users (handle TEXT, team TEXT, city TEXT);"
       "INSERT INTO users VALUES ('Ada', 'red', NULL), ('bob', 'blue', 'Oslo');");
  auto rows = ReadSqliteJoin(path, "SELECT handle, team, city AS town FROM users ORDER BY 1");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->label_columns, (std::vector<std::string>{"team", "town"}));
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0].first, "Ada");
  EXPECT_EQ(rows->rows[0].second, (std::vector<std::string>{"red", ""}));
  EXPECT_EQ(rows->rows[1].second, (std::vector<std::string>{"blue", "Oslo"}));

  auto one = ReadSqliteJoin(path, "SELECT handle FROM users");
  EXPECT_EQ(one.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(one.status().message(),
            "join query on " + path + " must return a key and at least one label column");
  auto bad = ReadSqliteJoin(path, "SELECT nope FROM users");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "join query on " + path + ": no such column: nope");
  auto missing = ReadSqliteJoin(TempPath("-missing.db"), "SELECT 1, 2");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace starling::sink::sqlite
