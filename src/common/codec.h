// File: common/codec.h
// The byte encoding of checkpoints: little-endian fixed-width integers,
// LEB128 varints, length-prefixed strings. Every piece of operator state
// saves itself with a ByteWriter and loads with a ByteReader; a reader never
// reads past its input and reports a short or garbled input as
// MalformedInput (a corrupt checkpoint is then refused, never half-loaded).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/status.h"

namespace starling {

// Appends to a caller-owned string. Not thread-safe.
class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}

  void PutU8(std::uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void PutFixed32(std::uint32_t v) { PutRaw(&v, sizeof v); }
  void PutFixed64(std::uint64_t v) { PutRaw(&v, sizeof v); }
  void PutVarint(std::uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  // Zig-zag, so small negative numbers stay short.
  void PutSigned(std::int64_t v) {
    PutVarint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void PutDouble(double v) { PutFixed64(std::bit_cast<std::uint64_t>(v)); }
  void PutString(std::string_view s) {
    PutVarint(s.size());
    out_->append(s);
  }
  std::string* out() { return out_; }

 private:
  void PutRaw(const void* p, std::size_t n) {
    static_assert(std::endian::native == std::endian::little, "checkpoints assume little-endian");
    out_->append(static_cast<const char*>(p), n);
  }
  std::string* out_;
};

// Reads what a ByteWriter wrote. Each Get returns false once the input is
// short or malformed, and stays failed; status() then says so.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  bool GetU8(std::uint8_t* v) {
    if (!Need(1)) return false;
    *v = static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }
  bool GetFixed32(std::uint32_t* v) { return GetRaw(v, sizeof *v); }
  bool GetFixed64(std::uint64_t* v) { return GetRaw(v, sizeof *v); }
  bool GetVarint(std::uint64_t* v) {
    std::uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!Need(1)) return false;
      auto byte = static_cast<std::uint8_t>(in_[pos_++]);
      result |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return Fail();
  }
  bool GetSigned(std::int64_t* v) {
    std::uint64_t u;
    if (!GetVarint(&u)) return false;
    *v = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool GetDouble(double* v) {
    std::uint64_t u;
    if (!GetFixed64(&u)) return false;
    *v = std::bit_cast<double>(u);
    return true;
  }
  // *v views the input; copy it if it must outlive the reader's input.
  bool GetString(std::string_view* v) {
    std::uint64_t n;
    if (!GetVarint(&n) || !Need(n)) return Fail();
    *v = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool GetString(std::string* v) {
    std::string_view view;
    if (!GetString(&view)) return false;
    v->assign(view);
    return true;
  }
  // For counts read from the input: refuses a count that could not fit in
  // what is left (each element takes at least min_bytes), so a garbled count
  // cannot make the caller reserve gigabytes.
  bool GetCount(std::uint64_t* n, std::size_t min_bytes = 1) {
    if (!GetVarint(n)) return false;
    if (min_bytes > 0 && *n > remaining() / min_bytes) return Fail();
    return true;
  }

  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }
  std::size_t remaining() const { return in_.size() - pos_; }
  Status status(std::string_view what) const {
    if (ok_) return Status::Ok();
    return MalformedInput(std::string(what) + ": truncated or corrupt state at byte " +
                          std::to_string(pos_));
  }

 private:
  bool Need(std::uint64_t n) {
    if (!ok_ || n > in_.size() - pos_) return Fail();
    return true;
  }
  bool Fail() {
    ok_ = false;
    return false;
  }
  bool GetRaw(void* p, std::size_t n) {
    if (!Need(n)) return false;
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace starling
