// File: source/provider/record_slot.h
// The record a provider source hands out: its bytes kept until the next
// Next() (Record::bytes points into them), with the zero padding the
// parser may read past the end, and where it came from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "source/record_source.h"

namespace starling::source::provider {

class RecordSlot {
 public:
  // Fills *out with `bytes` (moved in) as the record numbered `line` of the
  // source named `origin`, which must outlive the record (the source's own
  // spec); `offset`: a position within the provider's stream, if any.
  void Hand(std::string bytes, std::string_view origin, std::uint64_t line, std::uint64_t offset,
            Record* out) {
    current_ = std::move(bytes);
    const std::size_t size = current_.size();
    current_.append(kRecordPadding, '\0');
    *out = Record{};
    out->bytes = std::string_view(current_.data(), size);
    out->origin = origin;
    out->line = line;
    out->offset = offset;
    out->padding = kRecordPadding;
  }

 private:
  std::string current_;
};

}  // namespace starling::source::provider
