// File: dataflow/internal/checkpoint_format.cc
#include "dataflow/internal/checkpoint_format.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "analytics/hash.h"

namespace starling::dataflow::internal {

void SaveStats(ByteWriter& w, const RunStats& s) {
  for (std::uint64_t v : {s.records, s.posts, s.bytes, s.dead_letters, s.controls, s.late_posts,
                          s.results, s.final_results, s.checkpoints}) {
    w.PutVarint(v);
  }
}

bool LoadStats(ByteReader& r, RunStats* s) {
  for (std::uint64_t* v : {&s->records, &s->posts, &s->bytes, &s->dead_letters, &s->controls,
                           &s->late_posts, &s->results, &s->final_results, &s->checkpoints}) {
    if (!r.GetVarint(v)) return false;
  }
  return true;
}

void SaveResult(ByteWriter& w, const model::WindowResult& r) {
  w.PutString(r.analysis);
  w.PutU8(static_cast<std::uint8_t>(r.kind));
  w.PutSigned(r.window_start);
  w.PutSigned(r.window_end);
  w.PutVarint(r.total);
  w.PutVarint(r.error_bound);
  w.PutVarint(r.rows.size());
  for (const model::ResultRow& row : r.rows) {
    w.PutSigned(row.rank);
    w.PutString(row.key);
    w.PutString(row.key2);
    w.PutSigned(row.count);
    w.PutDouble(row.value);
    w.PutDouble(row.value2);
    w.PutSigned(row.pos);
    w.PutSigned(row.neu);
    w.PutSigned(row.neg);
    w.PutVarint(row.error);
    w.PutString(row.text);
  }
}

bool LoadResult(ByteReader& r, model::WindowResult* out) {
  std::uint8_t kind;
  std::uint64_t n;
  if (!r.GetString(&out->analysis) || !r.GetU8(&kind) || !r.GetSigned(&out->window_start) ||
      !r.GetSigned(&out->window_end) || !r.GetVarint(&out->total) ||
      !r.GetVarint(&out->error_bound) || !r.GetCount(&n, 8)) {
    return false;
  }
  out->kind = static_cast<model::ResultKind>(kind);
  out->rows.resize(n);
  for (model::ResultRow& row : out->rows) {
    std::int64_t rank;
    if (!r.GetSigned(&rank) || !r.GetString(&row.key) || !r.GetString(&row.key2) ||
        !r.GetSigned(&row.count) || !r.GetDouble(&row.value) || !r.GetDouble(&row.value2) ||
        !r.GetSigned(&row.pos) || !r.GetSigned(&row.neu) || !r.GetSigned(&row.neg) ||
        !r.GetVarint(&row.error) || !r.GetString(&row.text)) {
      return false;
    }
    row.rank = static_cast<std::int32_t>(rank);
  }
  return true;
}

std::string EncodeCheckpoint(const CheckpointData& d) {
  std::string body;
  ByteWriter w(&body);
  w.PutString(d.fingerprint);
  w.PutVarint(d.partitions);
  w.PutVarint(d.position);
  w.PutString(d.source_position);
  w.PutVarint(d.id);
  w.PutString(d.router);
  for (const std::string& p : d.partition_states) w.PutString(p);
  w.PutString(d.collector);
  SaveStats(w, d.stats);
  w.PutVarint(d.sinks.size());
  for (const auto& [name, token] : d.sinks) {
    w.PutString(name);
    w.PutString(token);
  }
  std::string file(kCheckpointMagic);
  ByteWriter fw(&file);
  fw.PutFixed64(analytics::Hash64(body));
  fw.PutFixed64(body.size());
  file += body;
  return file;
}

Result<CheckpointData> DecodeCheckpoint(std::string_view file, const std::string& path) {
  const std::string corrupt = "checkpoint " + path + " is corrupt";
  if (!file.starts_with(kCheckpointMagic)) {
    constexpr std::string_view kFamily = "STARLING-CHECKPOINT-";
    if (file.starts_with(kFamily)) {
      return InvalidArgument("checkpoint " + path +
                             " was written by another version of starling (its format is not " +
                             std::string(kCheckpointMagic.substr(kFamily.size())) +
                             "); remove it or use another --checkpoint-dir");
    }
    return MalformedInput(corrupt + " (not a checkpoint)");
  }
  ByteReader head(file.substr(kCheckpointMagic.size()));
  std::uint64_t hash, size;
  if (!head.GetFixed64(&hash) || !head.GetFixed64(&size) || size != head.remaining()) {
    return MalformedInput(corrupt + " (truncated)");
  }
  const std::string_view body = file.substr(file.size() - size);
  if (analytics::Hash64(body) != hash) return MalformedInput(corrupt + " (checksum mismatch)");
  ByteReader r(body);
  CheckpointData d;
  std::uint64_t parts;
  if (!r.GetString(&d.fingerprint) || !r.GetVarint(&parts) || !r.GetVarint(&d.position) ||
      !r.GetString(&d.source_position) || !r.GetVarint(&d.id) || !r.GetString(&d.router)) {
    return MalformedInput(corrupt);
  }
  if (parts == 0 || parts > 4096) return MalformedInput(corrupt);
  d.partitions = static_cast<std::uint32_t>(parts);
  d.partition_states.resize(parts);
  for (std::string& p : d.partition_states) {
    if (!r.GetString(&p)) return MalformedInput(corrupt);
  }
  if (!r.GetString(&d.collector) || !LoadStats(r, &d.stats)) return MalformedInput(corrupt);
  std::uint64_t sinks;
  if (!r.GetCount(&sinks)) return MalformedInput(corrupt);
  d.sinks.resize(sinks);
  for (auto& [name, token] : d.sinks) {
    if (!r.GetString(&name) || !r.GetString(&token)) return MalformedInput(corrupt);
  }
  if (!r.done()) return MalformedInput(corrupt + " (trailing bytes)");
  return d;
}

namespace {

void SyncDir(const std::string& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

Status WriteCheckpoint(const std::string& dir, const CheckpointData& d, std::string_view name) {
  const std::string file = EncodeCheckpoint(d);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = dir + "/" + std::string(name);
  const std::string tmp = path + ".tmp";
  // A failed write leaves no partial checkpoint.bin.tmp behind (on a full
  // disk it would keep the disk full); the last good checkpoint stays.
  auto fail = [&](int fd, const std::string& what, int err) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return Status(err == ENOSPC ? StatusCode::kResourceExhausted : StatusCode::kIoError,
                  what + " " + tmp + ": " + std::strerror(err));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(-1, "cannot write checkpoint", errno);
  std::size_t done = 0;
  while (done < file.size()) {
    const ssize_t n = ::write(fd, file.data() + done, file.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(fd, "cannot write checkpoint", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail(fd, "cannot sync checkpoint", errno);
  if (::close(fd) != 0) return fail(-1, "cannot sync checkpoint", errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(-1, "cannot install checkpoint", errno);
  }
  SyncDir(dir);
  return Status::Ok();
}

Status PromoteCandidate(const std::string& dir) {
  const std::string from = dir + "/" + std::string(kCandidateFile);
  const std::string to = dir + "/" + std::string(kCheckpointFile);
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    return IoError("cannot install checkpoint " + from + ": " + std::strerror(errno));
  }
  SyncDir(dir);
  return Status::Ok();
}

Status RemoveCandidate(const std::string& dir) {
  const std::string path = dir + "/" + std::string(kCandidateFile);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return IoError("cannot remove " + path + ": " + std::strerror(errno));
  }
  SyncDir(dir);
  return Status::Ok();
}

Result<CheckpointData> ReadCheckpoint(const std::string& dir, std::string_view name) {
  const std::string path = dir + "/" + std::string(name);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return NotFound("no checkpoint in " + dir + " (" + path + " is missing)");
  std::string file;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) file.append(buf, n);
  std::fclose(f);
  return DecodeCheckpoint(file, path);
}

}  // namespace starling::dataflow::internal
