// File: source/record_source.cc
#include "source/record_source.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "common/codec.h"
#include "source/buffer_pool.h"
#include "source/generator.h"

namespace starling::source {

std::optional<bool> StartsWithDocument(std::string_view head, bool eof) {
  std::size_t first = head.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos) {
    std::size_t nl = head.find('\n', first);
    if (nl != std::string_view::npos || eof) {
      std::string_view line =
          head.substr(first, nl == std::string_view::npos ? head.npos : nl - first);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) {
        line.remove_suffix(1);
      }
      return line == "{" || line == "[";
    }
  }
  if (eof || head.size() > kDocumentSniffBytes) return false;
  return std::nullopt;
}

namespace {

class LineRecordSource final : public RecordSource {
 public:
  LineRecordSource(std::unique_ptr<ByteStream> stream, std::string origin,
                   const SourceOptions& options)
      : stream_(std::move(stream)), origin_(std::move(origin)), options_(options) {
    options_.hard_max_record_bytes = std::max<std::size_t>(1, options_.hard_max_record_bytes);
    buf_ = std::make_shared<std::string>(kChunk + kRecordPadding, '\0');
    live_ = stream_->live();
  }

  Result<bool> Next(Record* out) override {
    if (pool_ == nullptr) cut_keep_.reset();  // the last cut record's head: no longer handed out
    if (!mode_known_) {
      STARLING_RETURN_IF_ERROR(DetectMode());
      mode_known_ = true;
    }
    return document_mode_ ? NextDocument(out) : NextLine(out);
  }

  std::string Describe() const override { return origin_; }

  void ShareBuffers() override {
    if (pool_ == nullptr) pool_ = std::make_shared<BufferPool>();
    keep_ = buf_;
  }

  bool WouldWait() override {
    if (!live_ || !mode_known_ || document_mode_ || eof_ || cut_.has_value()) return false;
    const char* begin = buf_->data() + start_;
    if (std::memchr(begin + scan_, '\n', end_ - start_ - scan_) != nullptr) return false;
    scan_ = end_ - start_;  // Next() need not look at these bytes again
    return true;
  }

  // Line mode only: in document mode a record's end depends on the scan
  // state, and a line being skipped has no start to return to.
  std::string Position() const override {
    if (document_mode_ || cut_.has_value()) return {};
    std::string token;
    ByteWriter w(&token);
    w.PutVarint(offset_);
    w.PutVarint(line_);
    return token;
  }

  // offset, line, then the stream's fingerprint at that offset.
  std::string SealPosition(std::string_view position) const override {
    ByteReader r(position);
    std::uint64_t offset = 0, line = 0;
    if (position.empty() || !r.GetVarint(&offset) || !r.GetVarint(&line) || r.remaining() != 0) {
      return std::string(position);
    }
    std::string token(position);
    ByteWriter w(&token);
    w.PutString(stream_->Fingerprint(offset));  // empty when the stream cannot say
    return token;
  }

  Result<bool> Seek(std::string_view position) override {
    ByteReader r(position);
    std::uint64_t offset = 0, line = 0;
    std::string fingerprint;  // absent in a token SealPosition did not complete
    if (!r.GetVarint(&offset) || !r.GetVarint(&line) ||
        (r.remaining() != 0 && !r.GetString(&fingerprint)) || r.remaining() != 0 || line == 0) {
      return MalformedInput(origin_ + ": not a position of this source");
    }
    if (!mode_known_) {
      STARLING_RETURN_IF_ERROR(DetectMode());
      mode_known_ = true;
    }
    if (document_mode_) return false;
    if (Status same = stream_->CheckFingerprint(fingerprint, offset); !same.ok()) {
      return Status(same.code(), origin_ + ": " + same.message() +
                                     "; cannot resume from this "
                                     "checkpoint (start afresh without --resume)");
    }
    Result<bool> moved = stream_->Seek(offset);
    if (!moved.ok())
      return Status(moved.status().code(), origin_ + ": " + moved.status().message());
    if (!*moved) return false;
    start_ = end_ = scan_ = 0;  // nothing of the old position is kept
    if (handed_out_) NewBuffer(kChunk);
    eof_ = false;
    cut_.reset();
    offset_ = offset;
    line_ = line;
    return true;
  }

 private:
  // The buffer starts small (cheap for short inputs and many small sources)
  // and doubles whenever less than kMinRead is free, i.e. only for records
  // longer than what it holds.
  static constexpr std::size_t kChunk = 256 << 10;
  static constexpr std::size_t kMinRead = 16 << 10;

  Result<bool> NextLine(Record* out) {
    if (cut_.has_value()) return FinishCut(out);
    for (;;) {
      const char* begin = buf_->data() + start_;
      const char* nl =
          static_cast<const char*>(std::memchr(begin + scan_, '\n', end_ - start_ - scan_));
      if (nl != nullptr) {
        std::size_t len = static_cast<std::size_t>(nl - begin);
        Emit(out, len, len + 1, 1);
        return true;
      }
      scan_ = end_ - start_;
      if (eof_) {
        if (start_ == end_) return false;
        std::size_t len = end_ - start_;
        Emit(out, len, len, 0);
        return true;
      }
      if (end_ - start_ > options_.hard_max_record_bytes) {  // longer than the limit
        // Cut an absurd line: keep its head, skip to its end, then hand it out.
        const std::size_t len = options_.hard_max_record_bytes;
        StartCut(len, len, 0, /*brackets=*/false);
        return FinishCut(out);
      }
      STARLING_RETURN_IF_ERROR(Fill());
    }
  }

  // Document mode: records are top-level JSON values, however they are laid
  // out (a pretty-printed page, `jq .` output with several values). A
  // string-aware bracket scanner finds where each value ends; text that is
  // not a JSON object or array runs to the end of its line (and will be a
  // dead letter).
  Result<bool> NextDocument(Record* out) {
    if (cut_.has_value()) return FinishCut(out);
    for (;;) {
      // Skip whitespace between values, counting lines.
      while (start_ < end_ && scan_ == 0) {
        char c = (*buf_)[start_];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
        if (c == '\n') ++line_;
        ++start_;
        ++offset_;
      }
      if (start_ == end_) {
        if (eof_) return false;
        STARLING_RETURN_IF_ERROR(Fill());
        continue;
      }
      const char first = (*buf_)[start_];
      std::size_t i = start_ + scan_;
      bool done = false;
      if (first != '{' && first != '[') {
        const char* nl = static_cast<const char*>(std::memchr(buf_->data() + i, '\n', end_ - i));
        if (nl != nullptr) {
          i = static_cast<std::size_t>(nl - buf_->data());
          done = true;
        } else {
          i = end_;
        }
      } else {
        done = ScanValue(&i);
      }
      scan_ = i - start_;
      if (!done && eof_) done = true;  // unterminated: the rest is one (bad) record
      if (!done && scan_ > options_.hard_max_record_bytes) {  // longer than the limit
        StartCut(options_.hard_max_record_bytes, scan_, CountLines(scan_),
                 first == '{' || first == '[');
        return FinishCut(out);
      }
      if (done) {
        std::size_t len = scan_;
        Emit(out, len, len, CountLines(len));
        ResetScan();
        return true;
      }
      STARLING_RETURN_IF_ERROR(Fill());
    }
  }

  std::uint64_t CountLines(std::size_t len) const {
    return static_cast<std::uint64_t>(
        std::count(buf_->data() + start_, buf_->data() + start_ + len, '\n'));
  }

  void ResetScan() {
    depth_ = 0;
    in_string_ = escape_ = false;
  }

  // Hands out (*buf_)[start_, start_+len) and consumes `consumed` bytes holding
  // `lines` line breaks.
  void Emit(Record* out, std::size_t len, std::size_t consumed, std::uint64_t lines) {
    out->bytes = std::string_view(buf_->data() + start_, len);
    out->origin = origin_;
    out->line = line_;
    out->offset = offset_;
    out->truncated = false;
    out->full_size = 0;
    out->padding = static_cast<std::size_t>(buf_->data() + buf_->size() -
                                            (out->bytes.data() + out->bytes.size()));
    if (pool_ != nullptr) {
      out->keep = &keep_;
      handed_out_ = true;
    } else {
      out->keep = nullptr;
    }
    line_ += lines;
    offset_ += consumed;
    start_ += consumed;
    scan_ = 0;
  }

  // Compacts the buffer and reads more bytes; sets eof_. TryAgain passes
  // through untouched (an idle live source).
  Status Fill() {
    if (handed_out_) {
      // Records out there point into this buffer: it is never written
      // again. The unconsumed tail moves to a fresh one.
      NewBuffer(std::max(kChunk, end_ - start_ + kMinRead));
    } else if (start_ > 0) {
      std::memmove(buf_->data(), buf_->data() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    // Grow only when little room is left (a record longer than the buffer):
    // reads then always have at least kMinRead bytes to fill.
    if (buf_->size() - kRecordPadding - end_ < kMinRead) {
      buf_->resize(std::max(buf_->size() * 2, end_ + kMinRead + kRecordPadding));
    }
    // The last kRecordPadding bytes are never filled: every record is
    // followed by at least that many readable bytes (see Record::padding).
    auto r = stream_->Read(buf_->data() + end_, buf_->size() - kRecordPadding - end_);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kTryAgain) return r.status();
      return Status(r.status().code(), origin_ + ": " + r.status().message());
    }
    if (*r == 0) {
      eof_ = true;
    } else {
      end_ += *r;
    }
    return Status::Ok();
  }

  // Moves the unconsumed bytes to a buffer of at least `size` usable bytes
  // from the pool (shared mode).
  void NewBuffer(std::size_t size) {
    std::shared_ptr<std::string> next = pool_->Get(size + kRecordPadding);
    std::memcpy(next->data(), buf_->data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
    buf_ = std::move(next);
    keep_ = buf_;
    handed_out_ = false;
  }

  // Scans a JSON value from *i to the end of the buffer with the bracket
  // state (depth_, in_string_, escape_); true, with *i just past it, once
  // its brackets close.
  bool ScanValue(std::size_t* i) {
    for (; *i < end_; ++*i) {
      const char c = (*buf_)[*i];
      if (in_string_) {
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if (c == '}' || c == ']') {
        if (--depth_ == 0) {
          ++*i;
          return true;
        }
      }
    }
    return false;
  }

  // Keeps the first `keep` bytes of the record at start_, then consumes
  // `consumed` bytes (holding `lines` line breaks) of it: the rest is
  // skipped by FinishCut.
  void StartCut(std::size_t keep, std::size_t consumed, std::uint64_t lines, bool brackets) {
    Cut c;
    c.bytes = std::make_shared<std::string>(keep + kRecordPadding, '\0');
    std::memcpy(c.bytes->data(), buf_->data() + start_, keep);
    c.line = line_;
    c.offset = offset_;
    c.brackets = brackets;
    line_ += lines;
    offset_ += consumed;
    start_ += consumed;
    scan_ = 0;
    cut_ = std::move(c);
  }

  // Reads and drops the rest of a cut record, then hands out its head with
  // its whole size. A line ends at its line break (consumed in line mode);
  // a JSON value where its brackets close; the input's end ends either.
  Result<bool> FinishCut(Record* out) {
    for (;;) {
      bool done = false;
      std::size_t stop = start_;
      if (cut_->brackets) {
        done = ScanValue(&stop);
      } else if (const void* nl = std::memchr(buf_->data() + start_, '\n', end_ - start_)) {
        stop = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_->data());
        done = true;
      } else {
        stop = end_;
      }
      const std::size_t n = stop - start_;
      if (document_mode_) line_ += CountLines(n);
      offset_ += n;
      start_ = stop;
      if (done || eof_) break;
      STARLING_RETURN_IF_ERROR(Fill());
    }
    const std::uint64_t full = offset_ - cut_->offset;
    if (!document_mode_ && start_ < end_) {  // the line break, consumed with its line
      ++start_;
      ++offset_;
      ++line_;
    }
    ResetScan();
    const std::string& head = *cut_->bytes;  // stays where it is when the pointer moves
    out->bytes = std::string_view(head.data(), head.size() - kRecordPadding);
    cut_keep_ = std::move(cut_->bytes);
    out->origin = origin_;
    out->line = cut_->line;
    out->offset = cut_->offset;
    out->truncated = true;
    out->full_size = full;
    out->padding = kRecordPadding;
    out->keep = pool_ != nullptr ? &cut_keep_ : nullptr;
    cut_.reset();
    return true;
  }

  // Document mode when the first non-blank line is just "{" or "[" (a
  // pretty-printed document); otherwise one record per line, which also
  // covers one-line documents and JSONL of arrays.
  Status DetectMode() {
    if (!options_.detect_documents) return Status::Ok();
    for (;;) {
      std::optional<bool> documents =
          StartsWithDocument(std::string_view(buf_->data() + start_, end_ - start_), eof_);
      if (documents.has_value()) {
        document_mode_ = *documents;
        return Status::Ok();
      }
      STARLING_RETURN_IF_ERROR(Fill());
    }
  }

  std::unique_ptr<ByteStream> stream_;
  std::string origin_;
  SourceOptions options_;
  std::shared_ptr<std::string> buf_;
  // Shared mode (ShareBuffers): buffers come from pool_, keep_ aliases buf_,
  // and handed_out_ says a record points into buf_.
  std::shared_ptr<BufferPool> pool_;
  std::shared_ptr<const void> keep_;
  bool handed_out_ = false;
  std::size_t start_ = 0, end_ = 0, scan_ = 0;
  std::uint64_t line_ = 1, offset_ = 0;
  bool eof_ = false, mode_known_ = false, document_mode_ = false;
  bool live_ = false;
  // A record cut at the limit: its head, kept while the rest is skipped.
  struct Cut {
    std::shared_ptr<std::string> bytes;  // the head, then kRecordPadding bytes
    std::uint64_t line = 0, offset = 0;
    bool brackets = false;  // a JSON value (document mode): ends where its brackets close
  };
  std::optional<Cut> cut_;
  std::shared_ptr<const void> cut_keep_;  // the last cut record's head
  int depth_ = 0;
  bool in_string_ = false, escape_ = false;
};

class ConcatSource final : public RecordSource {
 public:
  explicit ConcatSource(std::vector<std::unique_ptr<RecordSource>> s) : sources_(std::move(s)) {}
  Result<bool> Next(Record* out) override {
    while (i_ < sources_.size()) {
      auto r = sources_[i_]->Next(out);
      if (!r.ok() || *r) return r;
      ++i_;
    }
    return false;
  }
  std::string Describe() const override {
    std::string d;
    for (const auto& s : sources_) d += (d.empty() ? "" : ", ") + s->Describe();
    return d;
  }
  double pace() const override { return sources_.empty() ? 0 : sources_.front()->pace(); }
  bool WouldWait() override { return i_ < sources_.size() && sources_[i_]->WouldWait(); }
  void ShareBuffers() override {
    for (auto& s : sources_) s->ShareBuffers();
  }
  // The current source's index, then its own position.
  std::string Position() const override {
    std::string inner = i_ < sources_.size() ? sources_[i_]->Position() : std::string();
    if (i_ < sources_.size() && inner.empty()) return {};
    std::string token;
    ByteWriter w(&token);
    w.PutVarint(i_);
    return token + inner;
  }
  std::string SealPosition(std::string_view position) const override {
    ByteReader r(position);
    std::uint64_t i = 0;
    if (!r.GetVarint(&i) || i >= sources_.size()) return std::string(position);
    const std::string_view head = position.substr(0, position.size() - r.remaining());
    return std::string(head) +
           sources_[i]->SealPosition(position.substr(position.size() - r.remaining()));
  }
  Result<bool> Seek(std::string_view position) override {
    ByteReader r(position);
    std::uint64_t i = 0;
    if (!r.GetVarint(&i) || i > sources_.size()) {
      return MalformedInput("not a position of " + Describe());
    }
    if (i < sources_.size()) {
      Result<bool> moved = sources_[i]->Seek(position.substr(position.size() - r.remaining()));
      if (!moved.ok() || !*moved) return moved;
    }
    i_ = static_cast<std::size_t>(i);
    return true;
  }

 private:
  std::vector<std::unique_ptr<RecordSource>> sources_;
  std::size_t i_ = 0;
};

// Round-robin over sources, skipping idle ones (TryAgain) and dropping ended
// ones: a union of streams that keeps every one of them moving.
class UnionSource final : public RecordSource {
 public:
  explicit UnionSource(std::vector<std::unique_ptr<RecordSource>> s) : sources_(std::move(s)) {}
  Result<bool> Next(Record* out) override {
    std::size_t idle = 0;
    while (!sources_.empty()) {
      if (next_ >= sources_.size()) next_ = 0;
      auto r = sources_[next_]->Next(out);
      if (!r.ok()) {
        if (r.status().code() != StatusCode::kTryAgain) return r;
        ++next_;
        if (++idle >= sources_.size()) return r;  // all idle now
        continue;
      }
      if (!*r) {
        sources_.erase(sources_.begin() + static_cast<std::ptrdiff_t>(next_));
        continue;
      }
      ++next_;
      return true;
    }
    return false;
  }
  std::string Describe() const override {
    std::string d;
    for (const auto& s : sources_) d += (d.empty() ? "" : " | ") + s->Describe();
    return "union(" + d + ")";
  }
  void ShareBuffers() override {
    for (auto& s : sources_) s->ShareBuffers();
  }

 private:
  std::vector<std::unique_ptr<RecordSource>> sources_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<RecordSource> LineSource(std::unique_ptr<ByteStream> stream, std::string origin,
                                         const SourceOptions& options) {
  return std::make_unique<LineRecordSource>(std::move(stream), std::move(origin), options);
}

std::unique_ptr<RecordSource> Union(std::vector<std::unique_ptr<RecordSource>> sources) {
  if (sources.size() == 1) return std::move(sources.front());
  return std::make_unique<UnionSource>(std::move(sources));
}

std::unique_ptr<RecordSource> Concat(std::vector<std::unique_ptr<RecordSource>> sources) {
  if (sources.size() == 1) return std::move(sources.front());
  return std::make_unique<ConcatSource>(std::move(sources));
}

}  // namespace starling::source
