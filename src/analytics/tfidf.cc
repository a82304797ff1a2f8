// File: analytics/tfidf.cc
// Hashed TF-IDF with lazily decayed document frequencies and a bounded
// majority-vote table of term names.
#include "analytics/tfidf.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "analytics/hash.h"

namespace starling::analytics {
namespace {

constexpr std::uint8_t kFormatVersion = 1;
// Past this the scale is folded into the counts (every ~230k documents at
// 0.999); far below where doubles overflow.
constexpr double kRescaleAt = 1e100;
// Posts are short: below this an insertion sort beats std::sort.
constexpr std::size_t kInsertionSortMax = 32;

void SortIndices(std::vector<std::uint32_t>& v) {
  if (v.size() > kInsertionSortMax) {
    std::sort(v.begin(), v.end());
    return;
  }
  for (std::size_t i = 1; i < v.size(); ++i) {
    std::uint32_t x = v[i];
    std::size_t j = i;
    for (; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1];
    v[j] = x;
  }
}

bool FiniteNonNegative(double v) { return std::isfinite(v) && v >= 0.0; }

}  // namespace

Status HashedTfIdf::Validate(const TfIdfOptions& options) {
  if (options.dims < 2 || !std::has_single_bit(options.dims)) {
    return InvalidArgument("tfidf: dims must be a power of two >= 2, got " +
                           std::to_string(options.dims));
  }
  if (!(options.df_decay > 0.0 && options.df_decay <= 1.0)) {
    return InvalidArgument("tfidf: df_decay must be in (0, 1], got " +
                           std::to_string(options.df_decay));
  }
  return Status::Ok();
}

Result<HashedTfIdf> HashedTfIdf::Create(const TfIdfOptions& options) {
  STARLING_RETURN_IF_ERROR(Validate(options));
  return HashedTfIdf(options);
}

HashedTfIdf::HashedTfIdf(TfIdfOptions options) : options_(options) {
  if (Status st = Validate(options_); !st.ok()) DieInvalid("HashedTfIdf", st);
  dim_mask_ = options_.dims - 1;
  df_scaled_.assign(options_.dims, 0.0);
  std::size_t slots = std::min<std::size_t>(options_.dims, std::bit_floor(options_.max_term_names));
  votes_.resize(slots);
  names_.resize(slots);
  name_mask_ = slots == 0 ? 0 : static_cast<std::uint32_t>(slots - 1);
}

std::uint32_t HashedTfIdf::Dim(std::string_view word) const {
  return static_cast<std::uint32_t>(Hash64(word)) & dim_mask_;
}

double HashedTfIdf::IdfOf(double df_scaled) const {
  double df = df_scaled / inv_scale_;
  return std::log((1.0 + doc_count_) / (1.0 + df)) + 1.0;
}

double HashedTfIdf::Idf(std::uint32_t dim) const { return IdfOf(df_scaled_[dim & dim_mask_]); }

std::string_view HashedTfIdf::TermName(std::uint32_t dim) const {
  if (names_.empty() || dim > dim_mask_) return {};
  const NameText& text = names_[dim & name_mask_];
  if (text.name.empty() || text.dim != dim) return {};
  return text.name;
}

void HashedTfIdf::NoteTerm(std::uint32_t dim, std::uint32_t fingerprint, std::string_view word) {
  const std::uint32_t slot = dim & name_mask_;
  NameVote& vote = votes_[slot];
  if (vote.count == 0) {
    vote.count = 1;
    if (vote.fingerprint == fingerprint && names_[slot].dim == dim && !names_[slot].name.empty()) {
      return;  // the holder takes its slot back
    }
    // assign() reuses the slot's capacity; words up to 15 bytes fit the
    // string's inline buffer, so replacements rarely allocate.
    vote.fingerprint = fingerprint;
    names_[slot].dim = dim;
    names_[slot].name.assign(word);
  } else if (vote.fingerprint == fingerprint) {
    if (vote.count < std::numeric_limits<std::uint32_t>::max()) ++vote.count;
  } else {
    --vote.count;
  }
}

void HashedTfIdf::Vectorize(std::span<const std::string_view> words, SparseVector* out) {
  out->Clear();
  // Pass 1: hash every word and prefetch the two random-access tables, so
  // their cache misses overlap instead of queueing behind each other.
  const bool naming = !votes_.empty();
  fingerprints_.clear();
  for (std::string_view word : words) {
    if (word.empty()) continue;
    const std::uint64_t h = Hash64(word);
    const std::uint32_t dim = static_cast<std::uint32_t>(h) & dim_mask_;
    out->index.push_back(dim);
    fingerprints_.push_back(static_cast<std::uint32_t>(h >> 32));
    __builtin_prefetch(&df_scaled_[dim], 1);
    if (naming) __builtin_prefetch(&votes_[dim & name_mask_], 1);
  }
  // Pass 2: the term-name votes, in word order.
  if (naming) {
    std::size_t j = 0;
    for (std::string_view word : words) {
      if (word.empty()) continue;
      if (word.size() <= kMaxTermNameBytes) NoteTerm(out->index[j], fingerprints_[j], word);
      ++j;
    }
  }

  // This document: decay everything, then count it.
  doc_count_ = doc_count_ * options_.df_decay + 1.0;
  inv_scale_ /= options_.df_decay;
  if (inv_scale_ > kRescaleAt) {
    for (double& df : df_scaled_) df /= inv_scale_;
    inv_scale_ = 1.0;
  }

  // Sort the hashed dimensions, then collapse repeats into term counts.
  std::vector<std::uint32_t>& index = out->index;
  SortIndices(index);
  std::size_t unique = 0;
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (unique > 0 && index[unique - 1] == index[i]) {
      out->value[unique - 1] += 1.0f;
    } else {
      index[unique++] = index[i];
      out->value.push_back(1.0f);
    }
  }
  index.resize(unique);

  double norm2 = 0.0;
  for (std::size_t i = 0; i < unique; ++i) {
    double& df = df_scaled_[index[i]];
    df += inv_scale_;
    double w = static_cast<double>(out->value[i]) * IdfOf(df);
    out->value[i] = static_cast<float>(w);
    norm2 += w * w;
  }
  if (norm2 > 0.0) {
    double inv_norm = 1.0 / std::sqrt(norm2);
    for (float& v : out->value) v = static_cast<float>(v * inv_norm);
  }
}

void HashedTfIdf::Save(ByteWriter& out) const {
  out.PutU8(kFormatVersion);
  out.PutVarint(options_.dims);
  out.PutDouble(doc_count_);
  out.PutDouble(inv_scale_);
  // Sparse: most dimensions of a young stream are zero. Counts are saved
  // scaled, with the scale, so a restored instance continues bit-exactly.
  std::uint64_t nonzero =
      std::count_if(df_scaled_.begin(), df_scaled_.end(), [](double df) { return df != 0.0; });
  out.PutVarint(nonzero);
  std::uint32_t prev = 0;
  for (std::uint32_t d = 0; d < df_scaled_.size(); ++d) {
    if (df_scaled_[d] == 0.0) continue;
    out.PutVarint(d - prev);
    out.PutDouble(df_scaled_[d]);
    prev = d;
  }
  // Names as (word, count); the word's hash gives its dimension back.
  std::uint64_t named = std::count_if(names_.begin(), names_.end(),
                                      [](const NameText& t) { return !t.name.empty(); });
  out.PutVarint(named);
  for (std::size_t slot = 0; slot < names_.size(); ++slot) {
    if (names_[slot].name.empty()) continue;
    out.PutString(names_[slot].name);
    out.PutVarint(votes_[slot].count);
  }
}

Status HashedTfIdf::Load(ByteReader& in) {
  constexpr std::string_view kWhat = "tfidf checkpoint";
  std::uint8_t version = 0;
  if (!in.GetU8(&version)) return in.status(kWhat);
  if (version != kFormatVersion) {
    return MalformedInput("tfidf checkpoint: unknown format version " + std::to_string(version));
  }
  std::uint64_t dims = 0;
  double doc_count = 0.0;
  double inv_scale = 0.0;
  if (!in.GetVarint(&dims) || !in.GetDouble(&doc_count) || !in.GetDouble(&inv_scale)) {
    return in.status(kWhat);
  }
  if (dims != options_.dims) {
    return InvalidArgument("tfidf checkpoint has " + std::to_string(dims) +
                           " dims, this vectorizer " + std::to_string(options_.dims));
  }
  if (!FiniteNonNegative(doc_count) || !std::isfinite(inv_scale) || inv_scale < 1.0 ||
      inv_scale > kRescaleAt) {
    return MalformedInput("tfidf checkpoint: bad document count or scale");
  }

  std::vector<double> df_scaled(options_.dims, 0.0);
  std::uint64_t nonzero = 0;
  if (!in.GetCount(&nonzero, 1 + 8)) return in.status(kWhat);
  std::uint64_t dim = 0;
  for (std::uint64_t i = 0; i < nonzero; ++i) {
    std::uint64_t delta = 0;
    double df = 0.0;
    if (!in.GetVarint(&delta) || !in.GetDouble(&df)) return in.status(kWhat);
    if ((i > 0 && delta == 0) || delta >= options_.dims - dim || !FiniteNonNegative(df)) {
      return MalformedInput("tfidf checkpoint: bad document frequency entry " + std::to_string(i));
    }
    dim += delta;
    df_scaled[dim] = df;
  }

  std::vector<NameVote> votes(votes_.size());
  std::vector<NameText> names(names_.size());
  std::uint64_t named = 0;
  if (!in.GetCount(&named, 2)) return in.status(kWhat);
  for (std::uint64_t i = 0; i < named; ++i) {
    std::string_view name;
    std::uint64_t count = 0;
    if (!in.GetString(&name) || !in.GetVarint(&count)) return in.status(kWhat);
    if (name.empty() || name.size() > kMaxTermNameBytes ||
        count > std::numeric_limits<std::uint32_t>::max()) {
      return MalformedInput("tfidf checkpoint: bad term name entry " + std::to_string(i));
    }
    if (names.empty()) continue;
    const std::uint64_t h = Hash64(name);
    const std::uint32_t name_dim = static_cast<std::uint32_t>(h) & dim_mask_;
    const std::uint32_t slot = name_dim & name_mask_;
    if (!names[slot].name.empty() && votes[slot].count >= count) continue;
    votes[slot] = {static_cast<std::uint32_t>(h >> 32), static_cast<std::uint32_t>(count)};
    names[slot].dim = name_dim;
    names[slot].name.assign(name);
  }

  df_scaled_ = std::move(df_scaled);
  votes_ = std::move(votes);
  names_ = std::move(names);
  doc_count_ = doc_count;
  inv_scale_ = inv_scale;
  return Status::Ok();
}

}  // namespace starling::analytics
