// File: source/provider/seen_ids.h
// The ids a provider source has delivered lately, to drop what a reconnect,
// a cursor replay or an overlapping poll delivers again. Bounded: the
// oldest id goes when `capacity` is reached. Saved in a source's position
// (its checkpoint cursor), so a resumed run drops them too.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/status.h"

namespace starling::source::provider {

class SeenIds {
 public:
  explicit SeenIds(std::size_t capacity = 100000) : capacity_(capacity) {}
  // true when `id` was not seen (and now is); false for a duplicate.
  bool Insert(std::string_view id);
  bool Contains(std::string_view id) const { return set_.contains(std::string(id)); }
  std::size_t size() const { return order_.size(); }
  // The newest `max` ids, oldest first, comma-separated (ids hold no ',').
  std::string Save(std::size_t max) const;
  // Adds the ids Save wrote.
  void Load(std::string_view saved);

 private:
  std::size_t capacity_;
  std::deque<std::string> order_;
  std::unordered_set<std::string> set_;
};

// A position token: "kind;key=value;key=value", values %-escaped for ';', '='
// and '%'. Reading one back checks its kind.
class PositionToken {
 public:
  explicit PositionToken(std::string_view kind) : text_(kind) {}
  PositionToken& Add(std::string_view key, std::string_view value);
  const std::string& str() const { return text_; }

  // The value of `key` in `token`, or empty; MalformedInput when `token`
  // is not of `kind`.
  static Result<std::string> Get(std::string_view token, std::string_view kind,
                                 std::string_view key);

 private:
  std::string text_;
};

}  // namespace starling::source::provider
