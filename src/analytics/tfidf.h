// File: analytics/tfidf.h
// Hashed TF-IDF for short posts: words are feature-hashed into a fixed number
// of dimensions, and document frequencies decay per document so that IDF
// follows the stream. The vectors feed streaming clustering.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/codec.h"
#include "common/status.h"

namespace starling::analytics {

// A sparse vector: `index` sorted ascending without duplicates, `value[i]`
// belongs to `index[i]`; both have the same size.
struct SparseVector {
  std::vector<std::uint32_t> index;
  std::vector<float> value;

  // Empties the vector and keeps its capacity.
  void Clear() {
    index.clear();
    value.clear();
  }
  std::size_t size() const { return index.size(); }
  bool empty() const { return index.empty(); }
};

struct TfIdfOptions {
  // Feature-hashing dimensions; a power of two, at least 2.
  std::uint32_t dims = 1u << 16;
  // Every document multiplies the document count and all document
  // frequencies by this factor before adding itself; in (0, 1]. 1 never
  // forgets; 0.999 has a half-life of about 700 documents.
  double df_decay = 0.999;
  // At most this many (dimension, word) pairs are kept for TermName; 0 keeps
  // none. Each costs about 48 bytes plus the word when longer than 15 bytes.
  std::size_t max_term_names = 65536;
};

// Turns the tokenized words of one post into an L2-normalised tf*idf vector
// over `dims` hashed dimensions, with
//   idf(d) = log((1 + N) / (1 + df(d))) + 1,
// N the decayed document count and df(d) the decayed count of documents
// containing a word hashed to d (both including the current document).
//
// Term names: a table of min(dims, max_term_names rounded down to a power of
// two) slots, slot = dim mod slots, each holding one (dim, word, count). A
// word landing in a slot increments the count when it is the held word
// (recognised by the high 32 bits of its hash, so no string compare) and
// otherwise decrements it, taking the slot when the count is 0 (Misra-Gries
// with one counter per slot, i.e. the majority vote): a word that makes up
// more than half of the occurrences landing in its slot is always the one
// held. The held word stays reported at count 0 until another word takes
// the slot. Words longer than kMaxTermNameBytes count for tf and df but
// never become names, so the table's memory stays bounded.
//
// Not thread-safe: one instance per thread (or external locking).
class HashedTfIdf {
 public:
  static constexpr std::size_t kMaxTermNameBytes = 64;

  static Status Validate(const TfIdfOptions& options);
  // A vectorizer with these options, or Validate's error.
  static Result<HashedTfIdf> Create(const TfIdfOptions& options);
  // `options` must pass Validate (Create checks them; bad ones abort).
  explicit HashedTfIdf(TfIdfOptions options = {});

  // Counts one document made of `words` (lower-cased by the caller; empty
  // words are skipped) and writes its vector to *out, replacing what was
  // there and reusing its capacity: in steady state this allocates nothing
  // (a term name over 15 bytes taking a slot may grow that slot's string).
  // No words (or only empty ones) gives an empty vector and still counts as a
  // document. `out` must not be null.
  void Vectorize(std::span<const std::string_view> words, SparseVector* out);

  // The dimension `word` hashes to (stable across runs: XXH3, seed 0).
  std::uint32_t Dim(std::string_view word) const;
  // The idf of `dim` with the counts as they stand now (a later document
  // containing `dim` first adds itself to both counts). dim must be < dims().
  double Idf(std::uint32_t dim) const;
  // The most frequent word seen for `dim` (see the class comment), or empty
  // if none is known. The view is valid until the next Vectorize or Load.
  std::string_view TermName(std::uint32_t dim) const;

  std::uint32_t dims() const { return options_.dims; }
  const TfIdfOptions& options() const { return options_; }
  // The decayed document count N.
  double document_count() const { return doc_count_; }

  // Appends the state (document frequencies, document count, term names) to
  // the writer. The options are configuration, not state: only dims is
  // recorded, to refuse a mismatched checkpoint.
  void Save(ByteWriter& out) const;
  // Replaces the state with what Save wrote. A truncated or corrupt input
  // gives MalformedInput, a checkpoint written with other dims gives
  // InvalidArgument; either way this object is left unchanged. Names are
  // re-slotted into this object's table (on a collision the higher count
  // wins), so max_term_names may differ from the saving instance's.
  Status Load(ByteReader& in);

 private:
  // The hot half of a term-name slot, touched for every word: which word
  // holds the slot (the high 32 bits of its hash, so no string compare) and
  // its majority-vote count (0: the next word takes the slot).
  struct NameVote {
    std::uint32_t fingerprint = 0;
    std::uint32_t count = 0;
  };
  // The cold half, written only when a word takes the slot.
  struct NameText {
    std::uint32_t dim = 0;
    std::string name;  // empty: never held
  };

  void NoteTerm(std::uint32_t dim, std::uint32_t fingerprint, std::string_view word);
  double IdfOf(double df_scaled) const;

  TfIdfOptions options_;
  std::uint32_t dim_mask_;
  // Decayed counts are kept scaled: df(d) = df_scaled_[d] / inv_scale_, and
  // each document multiplies inv_scale_ by 1 / df_decay, so decay costs O(1)
  // per document instead of O(dims). inv_scale_ is folded back into the
  // counts when it grows past kRescaleAt.
  std::vector<double> df_scaled_;
  double inv_scale_ = 1.0;
  double doc_count_ = 0.0;  // N, not scaled
  std::vector<NameVote> votes_;
  std::vector<NameText> names_;
  std::uint32_t name_mask_ = 0;
  std::vector<std::uint32_t> fingerprints_;  // Vectorize's scratch, one per word
};

}  // namespace starling::analytics
