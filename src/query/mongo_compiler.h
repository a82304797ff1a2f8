// File: query/mongo_compiler.h
// A plan (query/plan.h) as a MongoDB aggregation: the JSON document
// {"aggregate": COLLECTION, "pipeline": [...]} a store of dialect "mongodb"
// runs (sink::QueryableStore), and the answer read back from it.
//
// The logical tables are documents (docs/stores.md, MongoDB): `posts` is the
// collection of that name; an entity table is posts with {"$unwind":
// "$<table>"}, its columns the element's fields ("hashtags.tag"); a result
// table is the collection of its name. Each plan column is followed as a
// field of the documents the pipeline makes (a projection only renames: it
// moves no data), a filter becomes $match, a group $group, a sort $sort, a
// take $skip/$limit, and the answer's columns are read back by field name.
//
// What the server cannot run with the native executor's exact meaning is
// refused (InvalidArgument "query: WHAT cannot be run on MongoDB here
// (FerretDB 1.24 lacks ...)"), never answered differently. The server
// profile (MongoServer) says what the server can do; only FerretDB 1.24,
// the server tested here, is written out: a real MongoDB could take $expr,
// computed $project fields, $min/$max/$avg, several accumulators per $group
// and $lookup, each the place to extend this compiler.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/plan.h"
#include "query/value.h"
#include "sink/store.h"

namespace starling::query {

// What the MongoDB-protocol server can run (docs/query.md, MongoDB).
struct MongoServer {
  std::string name = "FerretDB 1.24";
  // A $group computes only its first accumulator on FerretDB 1.24 (the
  // others come back 0): false allows one per $group.
  bool several_accumulators = false;
};

// A compiled query: the statement and how its answer reads back.
struct MongoQuery {
  std::string statement;  // {"aggregate": ..., "pipeline": [...]}, a stage a line
  // Each answer column's field, as the store names it ("hashtags.tag", "_id.k0").
  std::vector<std::string> fields;
  // `aggregate` without `group` gives one row even over no rows; MongoDB's
  // $group gives no document then: the row the answer is instead (count 0,
  // sum NULL). Empty: no such row.
  bool empty_input_row = false;
  std::vector<Value> empty_row;  // integers and NULLs only
};

// How a store reads a column it keeps in another form (QueryableStore::
// ColumnSql: posts.created_at is created_at_us); empty: the column's name.
using MongoFieldFn = std::function<std::string(std::string_view table, std::string_view column)>;

// InvalidArgument when the plan needs what the server cannot run exactly.
Result<MongoQuery> CompileMongo(const Plan& plan, const MongoFieldFn& field = {},
                                const MongoServer& server = {});

// Compiles for the store (its ColumnSql) and runs the statement: the answer
// with the plan's names and types. ResourceExhausted for an integer sum the
// server gives as a float (its total passed 64 bits).
Result<Answer> RunOnMongo(const Plan& plan, sink::QueryableStore& store);
Result<MongoQuery> CompileMongoForStore(const Plan& plan, const sink::QueryableStore& store);

}  // namespace starling::query
