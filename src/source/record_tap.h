// File: source/record_tap.h
// `--record FILE`: every record a source hands out, written to FILE as it
// came (one record a line: the provider's bytes), so that reading FILE back
// (a file source, or replay:) gives the same posts. Works with checkpoints:
// a position taken from the tap carries how many records the file holds, a
// resumed run cuts the file back to them, and records that a resume reads
// again (a source that cannot seek) are not written twice.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "source/record_source.h"

namespace starling::source {

// Wraps `inner`. `resume`: FILE is kept (a later Seek cuts it back to its
// checkpoint); else FILE is created, or emptied. IoError when FILE cannot be
// opened.
Result<std::unique_ptr<RecordSource>> RecordTo(std::unique_ptr<RecordSource> inner,
                                               const std::string& path, bool resume);

}  // namespace starling::source
