// File: query/dialects/dialects.h
// The SQL dialects, one file each; dialect.cc lists them.
#pragma once

#include <memory>

#include "query/dialect.h"

namespace starling::query::dialects {

std::unique_ptr<SqlDialect> MakeSqlite();      // SQLite 3.30+ (run and tested)
std::unique_ptr<SqlDialect> MakePostgres();    // PostgreSQL 12+
std::unique_ptr<SqlDialect> MakeMysql();       // MariaDB 10.11
std::unique_ptr<SqlDialect> MakeClickhouse();  // ClickHouse 18.16

}  // namespace starling::query::dialects
