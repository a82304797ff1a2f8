// File: serve/stored_run.h
// A stored run read back for the dashboard (`starling serve`): the window
// results of one pipeline from a results database (docs/formats/results.md)
// and the most recent posts from a posts database (docs/formats/sqlite.md).
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"
#include "serve/dashboard_state.h"

namespace starling::serve {

// Publishes the latest `windows` windows of every analysis of `pipeline`
// (empty: the pipeline with the most windows) to state's bus, oldest first,
// and sets the state's pipeline, analyses and counters. NotFound when the
// file, its tables or the pipeline are missing; IoError when SQLite fails.
Status LoadStoredResults(const std::string& path, const std::string& pipeline,
                         std::size_t windows, DashboardState* state);

// Adds the `limit` most recent posts (by created_at) of a posts database to
// the state's feed, with their hashtags and mentions.
Status LoadStoredPosts(const std::string& path, std::size_t limit, DashboardState* state);

}  // namespace starling::serve
