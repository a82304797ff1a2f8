// File: tests/query/query_fixtures.h
// Helpers for the query tests: run a query natively over posts in memory,
// and an answer as rows of printed cells (NULL as "NULL").
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "model/post.h"
#include "query/executor.h"
#include "query/input.h"
#include "query/printer.h"
#include "query/resolver.h"

namespace starling::query::testing {

using Rows = std::vector<std::vector<std::string>>;

inline Rows RowsOf(const Answer& a) {
  Rows rows;
  for (std::size_t r = 0; r < a.rows(); ++r) {
    std::vector<std::string> row;
    for (std::size_t c = 0; c < a.width(); ++c) {
      const Value& v = a.at(r, c);
      row.push_back(v.null() ? "NULL" : FormatCell(v));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The answer of `text` over `posts` (native executor), or its Status.
inline Result<Answer> Native(const std::string& text, const std::vector<model::Post>& posts) {
  STARLING_ASSIGN_OR_RETURN(Plan plan, Compile(text));
  MemoryPostInput input(posts);
  return Execute(plan, input);
}

// A path under STARLING_TEST_TMP unique to this test and process.
inline std::string TempPath(const std::string& suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string p = std::string(STARLING_TEST_TMP) + "/query_" + info->test_suite_name() + "_" +
                  info->name() + "_" + std::to_string(::getpid()) + suffix;
  std::remove(p.c_str());
  std::remove((p + "-wal").c_str());
  std::remove((p + "-shm").c_str());
  return p;
}

}  // namespace starling::query::testing
