// File: serve/stored_run.h
// A stored run read back for the dashboard (`starling serve`, `report`): the
// window results of one pipeline from a result store and the most recent
// posts from a post store, read only through sink/store.h, so any store
// with a registered reader serves alike.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"
#include "serve/dashboard_state.h"
#include "sink/store.h"

namespace starling::serve {

// Publishes the latest `windows` windows of every analysis of `pipeline`
// (empty: the pipeline with the most windows) to state's bus, oldest first,
// and sets the state's pipeline, analyses and counters. NotFound when the
// store holds no windows or not that pipeline; the store's errors else.
Status LoadStoredResults(sink::ResultStore& store, const std::string& pipeline, std::size_t windows,
                         DashboardState* state);

// Adds the `limit` most recent posts (by created_at) of a post store to the
// state's feed, oldest first, with their hashtags and mentions.
Status LoadStoredPosts(sink::PostStore& store, std::size_t limit, DashboardState* state);

}  // namespace starling::serve
