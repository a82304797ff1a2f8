// File: source/provider/seen_ids.h
// The ids a provider source has delivered lately, to drop what a reconnect,
// a cursor replay or an overlapping poll delivers again. Bounded: the
// oldest id goes when `capacity` is reached. Saved in a source's position
// (its checkpoint cursor), so a resumed run drops them too.
//
// Saving thousands of ids for every chunk would cost more than the records
// (the engine asks a source for its position after each chunk); so a
// position holds only a mark (`upto=N`: the ids inserted so far), and
// SealPosition, which runs only when a checkpoint is taken (possibly on
// another thread: the set is locked), writes the ids in. Seek reads them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/status.h"

namespace starling::source::provider {

class SeenIds {
 public:
  explicit SeenIds(std::size_t capacity = 100000) : capacity_(capacity) {}
  // true when `id` was not seen (and now is); false for a duplicate. `time`:
  // when it happened (Unix microseconds), for a save by time.
  bool Insert(std::string_view id, std::int64_t time = 0);
  bool Contains(std::string_view id) const;
  std::size_t size() const;
  // How many ids were ever inserted: the mark a position holds.
  std::uint64_t inserted() const;
  // The ids inserted before mark `upto`, oldest first, comma-separated (ids
  // hold no ','): the newest `max` of them, and of those only the ones with
  // time >= min_time when min_time > 0.
  std::string Save(std::uint64_t upto, std::size_t max, std::int64_t min_time = 0) const;
  // Adds the ids Save wrote, as of `time` (a save by time keeps them while
  // its min_time is not past it: give the cursor they were saved at).
  void Load(std::string_view saved, std::int64_t time = 0);

 private:
  struct Entry {
    std::string id;
    std::int64_t time;
    std::uint64_t seq;
  };
  mutable std::mutex mu_;
  std::size_t capacity_;
  std::uint64_t seq_ = 0;
  std::deque<Entry> order_;
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

  // `token` with its "upto=N" mark replaced by "ids=..." (SeenIds::Save of
  // `max` ids, time >= min_time): what SealPosition returns. A token
  // without a mark comes back as it is.
  static std::string Seal(std::string_view token, const SeenIds& seen, std::size_t max,
                          std::int64_t min_time = 0);

 private:
  std::string text_;
};

}  // namespace starling::source::provider
