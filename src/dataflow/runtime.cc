// File: dataflow/runtime.cc
// RunPipeline: builds the stages (dataflow/internal/: reader, parse_stage,
// router, partition, collector) and connects them, on the calling thread
// (one worker) or on threads joined by bounded queues (several); resumes
// from a checkpoint and takes them (checkpoint_format) at the barriers the
// router sets.
#include "dataflow/runtime.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/codec.h"
#include "common/failpoint.h"
#include "common/log.h"
#include "dataflow/internal/checkpoint_format.h"
#include "dataflow/internal/chunk.h"
#include "dataflow/internal/collector.h"
#include "dataflow/internal/latency.h"
#include "dataflow/internal/parse_stage.h"
#include "dataflow/internal/partition.h"
#include "dataflow/internal/queue.h"
#include "dataflow/internal/reader.h"
#include "dataflow/internal/router.h"
#include "source/file_blocks.h"

namespace starling::dataflow {
namespace {

using internal::BlockClaims;
using internal::BoundedQueue;
using internal::CheckpointData;
using internal::Chunk;
using internal::Collector;
using internal::FillFromBlock;
using internal::InOrder;
using internal::LatencyHistogram;
using internal::NextChunkRecords;
using internal::ParseStage;
using internal::Partition;
using internal::PartitionOutput;
using internal::RawRecord;
using internal::ReadCheckpoint;
using internal::Reader;
using internal::Router;
using internal::WriteCheckpoint;

class Run {
 public:
  Run(const PipelineSpec& spec, source::RecordSource& source, const RunOptions& options)
      : spec_(spec),
        options_(options),
        workers_(static_cast<std::uint32_t>(std::max(1, options.workers))),
        partition_count_(workers_),
        reader_(spec, source, options),
        router_(spec),
        clock_(*options.clock) {
    t0_ = clock_.Steady();
    last_flush_ = last_progress_ = last_checkpoint_ = t0_;
  }

  Result<RunStats> Go() {
    STARLING_RETURN_IF_ERROR(spec_.Validate());
    const std::vector<model::AnalysisMeta> metas = DescribeAnalyses(spec_);
    for (sink::ResultSink* s : options_.result_sinks) {
      STARLING_RETURN_IF_ERROR(s->DeclareAnalyses(metas));
    }
    // Keyed state lives in partition_count_ partitions: one per worker,
    // or as many as the checkpoint being resumed has (any --workers can
    // resume it: workers then share or skip partitions).
    STARLING_RETURN_IF_ERROR(CheckTwoPhase());
    std::optional<CheckpointData> checkpoint;
    if (options_.resume) {
      if (options_.checkpoint_dir.empty()) {
        return InvalidArgument("--resume needs --checkpoint-dir");
      }
      auto d = ReadCheckpointToResume();
      if (!d.ok()) return d.status();
      checkpoint = std::move(*d);
      partition_count_ = checkpoint->partitions;
    } else if (!options_.checkpoint_dir.empty()) {
      // A candidate left by an earlier run is not this run's.
      STARLING_RETURN_IF_ERROR(internal::RemoveCandidate(options_.checkpoint_dir));
    }
    for (std::uint32_t p = 0; p < partition_count_; ++p) {
      partitions_.push_back(
          std::make_unique<Partition>(spec_, p, partition_count_,
                                      /*finals_only=*/options_.on_final_partials != nullptr));
    }
    collector_ = std::make_unique<Collector>(spec_, options_, partition_count_, &stats_);
    if (checkpoint) STARLING_RETURN_IF_ERROR(Resume(*checkpoint));
    Status st = workers_ == 1 ? Inline() : Threaded();
    if (!st.ok()) return st;
    STARLING_RETURN_IF_ERROR(collector_->Flush());
    stats_.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock_.Steady() - t0_);
    latency_.Fill(&stats_);
    if (options_.on_progress) options_.on_progress(stats_);
    return stats_;
  }

 private:
  Status Resume(const CheckpointData& checkpoint) {
    const CheckpointData* d = &checkpoint;
    if (d->fingerprint != spec_.Fingerprint()) {
      return InvalidArgument("checkpoint in " + options_.checkpoint_dir +
                             " belongs to a different pipeline (names, analyses or windows "
                             "changed); use another --checkpoint-dir or remove it");
    }
    ByteReader rr(d->router);
    if (!router_.Load(rr)) return MalformedInput("checkpoint: corrupt router state");
    for (std::uint32_t p = 0; p < partition_count_; ++p) {
      STARLING_RETURN_IF_ERROR(partitions_[p]->Load(d->partition_states[p]));
    }
    ByteReader cr(d->collector);
    STARLING_RETURN_IF_ERROR(collector_->Load(cr));
    STARLING_RETURN_IF_ERROR(RestoreSinks(d->sinks));
    stats_ = d->stats;
    checkpoint_id_ = d->id;
    Result<bool> moved = reader_.Resume(d->position, d->source_position);
    if (!moved.ok()) return moved.status();
    stats_.resumed_records = d->position;
    stats_.resumed_by_seek = *moved;
    log::Info("resumed from checkpoint {} at record {} ({})", d->id, d->position,
              *moved ? "the source moved there" : "records read again and skipped");
    if (partition_count_ != workers_) {
      log::Info("the checkpoint keeps its state in {} partitions; {} worker(s) run them{}",
                partition_count_, workers_,
                workers_ > partition_count_ ? " (the extra workers parse)" : "");
    }
    return Status::Ok();
  }

  // Every output that a resume restores: its CommitName, and callbacks to
  // Commit it, to restore it, and for a two-phase output to complete it and
  // to ask whether it completed a token.
  struct Output {
    std::string name;
    std::function<Result<std::string>()> commit;
    std::function<Status(std::string_view)> restore;
    bool two_phase = false;
    std::function<Status()> complete;
    std::function<Result<bool>(std::string_view)> completed;
  };
  std::vector<Output> Outputs() const {
    std::vector<Output> out;
    auto add = [&](auto* s) {
      if (s == nullptr) return;
      std::string name = s->CommitName();
      if (name.empty()) return;
      Output o{std::move(name), [s] { return s->CheckpointCommit(); },
               [s](std::string_view t) { return s->RestoreCommit(t); }};
      if constexpr (requires { s->TwoPhase(); }) {  // a sink (dead letters are a file)
        o.two_phase = s->TwoPhase();
        o.complete = [s] { return s->CheckpointComplete(); };
        o.completed = [s](std::string_view t) { return s->CheckpointCompleted(t); };
      }
      out.push_back(std::move(o));
    };
    for (sink::ResultSink* s : options_.result_sinks) add(s);
    for (sink::PostSink* s : options_.post_sinks) add(s);
    add(options_.late_sink);
    add(options_.dead_letters);
    return out;
  }

  // At a checkpoint: each file output made durable, and where it ends.
  Result<std::vector<std::pair<std::string, std::string>>> CommitSinks() const {
    std::vector<std::pair<std::string, std::string>> tokens;
    for (Output& o : Outputs()) {
      Result<std::string> token = o.commit();
      if (!token.ok()) return token.status();
      if (!token->empty()) tokens.emplace_back(std::move(o.name), std::move(*token));
    }
    return tokens;
  }

  bool HasTwoPhase() const {
    for (const Output& o : Outputs()) {
      if (o.two_phase) return true;
    }
    return false;
  }

  // At most one two-phase output: two transactions cannot commit as one.
  Status CheckTwoPhase() const {
    std::string names;
    int count = 0;
    for (const Output& o : Outputs()) {
      if (!o.two_phase) continue;
      names += (names.empty() ? "" : ", ") + o.name;
      ++count;
    }
    if (count > 1) {
      return InvalidArgument("a run holds at most one exactly-once output (" + names +
                             "): their transactions cannot commit as one (docs/kafka.md)");
    }
    if (count == 1 && options_.checkpoint_dir.empty()) {
      return InvalidArgument(names +
                             ": exactly-once output commits with the run's checkpoints: "
                             "give the run --checkpoint-dir");
    }
    return Status::Ok();
  }

  // The checkpoint a resume starts from. A candidate (written, then the
  // two-phase output completed, then renamed) holds if the output completed
  // it: the run was killed after the commit but before the rename. Else the
  // output's transaction was aborted and the checkpoint before it holds.
  Result<CheckpointData> ReadCheckpointToResume() const {
    const std::string& dir = options_.checkpoint_dir;
    auto candidate = ReadCheckpoint(dir, internal::kCandidateFile);
    if (!candidate.ok()) {
      if (candidate.status().code() != StatusCode::kNotFound) return candidate.status();
      return ReadCheckpoint(dir);
    }
    // Only a run with a two-phase output writes a candidate: that output
    // must be here to say whether it completed.
    bool completed = true;
    int asked = 0;
    for (const Output& o : Outputs()) {
      if (!o.two_phase) continue;
      for (const auto& [name, token] : candidate->sinks) {
        if (name != o.name) continue;
        Result<bool> done = o.completed(token);
        if (!done.ok()) return done.status();
        completed = *done;
        ++asked;
      }
    }
    if (asked == 0) {
      std::string names;
      for (const auto& [name, token] : candidate->sinks)
        names += (names.empty() ? "" : ", ") + name;
      return InvalidArgument(
          "checkpoint " + std::to_string(candidate->id) + " in " + dir +
          " was written but not seen committed by its exactly-once output, which this run "
          "does not have (its outputs then: " +
          names + "): resume with the same exactly-once output, which alone can tell");
    }
    if (completed) {
      log::Info("checkpoint {}: its output was committed before the run stopped", candidate->id);
      STARLING_RETURN_IF_ERROR(internal::PromoteCandidate(dir));
      return candidate;
    }
    log::Info(
        "checkpoint {}: its output was not committed (the transaction was aborted); "
        "the checkpoint before it holds",
        candidate->id);
    STARLING_RETURN_IF_ERROR(internal::RemoveCandidate(dir));
    auto previous = ReadCheckpoint(dir);
    if (!previous.ok() && previous.status().code() == StatusCode::kNotFound) {
      return NotFound("no checkpoint in " + dir +
                      ": the run's first checkpoint was not committed (its transaction is "
                      "aborted); start the run afresh, without --resume");
    }
    return previous;
  }

  // Cuts every file output back to the checkpoint, so what a crashed run
  // wrote after it is not there twice. A file output the checkpoint does not
  // know (added since) keeps its contents and is appended to.
  Status RestoreSinks(const std::vector<std::pair<std::string, std::string>>& saved) {
    for (const Output& o : Outputs()) {
      const std::string* token = nullptr;
      for (const auto& [name, t] : saved) {
        if (name == o.name) token = &t;
      }
      if (token == nullptr) {
        log::Warn("{} is not in the checkpoint: it is appended to as it is", o.name);
        continue;
      }
      STARLING_RETURN_IF_ERROR(o.restore(*token));
    }
    return Status::Ok();
  }

  // At the end of the input every window closes (its results become final).
  // A run stopped early with checkpoints on leaves them open instead, for
  // --resume to continue: closing them would store results that the resumed
  // run must then replace (and sessions would end where they did not end).
  bool CloseWindowsAtEnd() const { return reader_.exhausted() || options_.checkpoint_dir.empty(); }

  // Called by the router for each chunk in order: sets the checkpoint barrier.
  void MaybeBarrier(Chunk& c) {
    // Never after the end marker: it closes every window, and a resumed run
    // must find them open.
    if (options_.checkpoint_dir.empty() || c.end || !c.batch_end) return;
    const auto now = clock_.Steady();
    if (c.force_checkpoint || now - last_checkpoint_ >= options_.checkpoint_interval) {
      c.checkpoint = ++checkpoint_id_;
      last_checkpoint_ = now;
    }
  }

  // Called by the collector after a chunk's results went to the sinks.
  Status AfterChunk(const Chunk& c, const std::vector<PartitionOutput>& outputs) {
    const auto now = clock_.Steady();
    // Latency counts when results are out: per chunk in record mode, at the
    // end of a micro-batch for all of its records (from its first record).
    batch_latency_records_ += c.records.size();
    if (c.batch_end && batch_latency_records_ > 0) {
      latency_.Add(std::chrono::duration_cast<std::chrono::microseconds>(now - c.batch_first_read),
                   batch_latency_records_);
      batch_latency_records_ = 0;
    }
    if (c.checkpoint != 0) {
      STARLING_RETURN_IF_ERROR(collector_->Flush());
      last_flush_ = now;
      CheckpointData d;
      d.fingerprint = spec_.Fingerprint();
      d.partitions = partition_count_;
      auto committed = CommitSinks();
      if (!committed.ok()) return committed.status();
      d.sinks = std::move(*committed);
      d.position = c.position;
      d.source_position = reader_.SealPosition(c.source_position);
      d.id = c.checkpoint;
      {
        std::lock_guard lock(router_mu_);
        d.router = std::move(router_snapshots_[c.seq]);
        router_snapshots_.erase(c.seq);
      }
      for (const PartitionOutput& o : outputs) d.partition_states.push_back(o.snapshot);
      ByteWriter w(&d.collector);
      collector_->Save(w);
      ++stats_.checkpoints;
      d.stats = stats_;
      // The sinks were flushed above (a Kafka sink's Flush waits for every
      // acknowledgement), so the checkpoint never passes what they hold.
      if (HasTwoPhase()) {
        // Two-phase: the checkpoint is durable before the output commits;
        // a run killed in between resumes as ReadCheckpointToResume says.
        STARLING_RETURN_IF_ERROR(
            WriteCheckpoint(options_.checkpoint_dir, d, internal::kCandidateFile));
        Failpoint("checkpoint-before-complete");
        for (const Output& o : Outputs()) {
          if (o.two_phase) STARLING_RETURN_IF_ERROR(o.complete());
        }
        Failpoint("checkpoint-before-promote");
        STARLING_RETURN_IF_ERROR(internal::PromoteCandidate(options_.checkpoint_dir));
      } else {
        STARLING_RETURN_IF_ERROR(WriteCheckpoint(options_.checkpoint_dir, d));
      }
      checkpoint_written_ = now;
      reader_.CheckpointDurable(d.source_position);
    } else if (now - last_flush_ >= options_.flush_interval) {
      STARLING_RETURN_IF_ERROR(collector_->Flush());
      last_flush_ = now;
    }
    if (options_.on_progress && now - last_progress_ >= options_.progress_interval) {
      last_progress_ = now;
      stats_.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - t0_);
      stats_.last_checkpoint_age =
          std::chrono::duration_cast<std::chrono::microseconds>(now - checkpoint_written_);
      latency_.Fill(&stats_);
      stats_.source_health = reader_.Health();
      options_.on_progress(stats_);
    }
    return Status::Ok();
  }

  void RouteChunk(Chunk& c) {
    PlaceBlockLines(c);
    router_.Run(c);
    c.emit_open = c.idle && c.batch_end && options_.on_idle != nullptr;
    MaybeBarrier(c);
    if (c.checkpoint != 0) {
      std::string snap;
      ByteWriter w(&snap);
      router_.Save(w);
      std::lock_guard lock(router_mu_);
      router_snapshots_[c.seq] = std::move(snap);
    }
  }

  // The parallel scan is for a run that reads its input once, start to
  // end, in record mode: checkpoints need the sequential reader's
  // positions, a limit its record count, micro-batches and early results
  // its clock.
  bool UseBlocks() const {
    return options_.blocks != nullptr && options_.checkpoint_dir.empty() && !options_.resume &&
           options_.limit == 0 && spec_.mode == ProcessingMode::kRecord &&
           options_.early_results.count() == 0;
  }

  // In input order: a block's lines counted from the file's first line.
  void PlaceBlockLines(Chunk& c) {
    if (c.block_file < 0) return;
    if (c.block_file != block_file_) {
      block_file_ = c.block_file;
      block_line_base_ = 0;
    }
    for (RawRecord& r : c.records) r.line += block_line_base_;
    block_line_base_ += c.block_newlines;
  }

  // One worker: every stage on this thread.
  Status Inline() {
    ParseStage parse_stage(spec_, options_.parse);
    Chunk c;
    std::vector<PartitionOutput> outputs(partition_count_);
    if (UseBlocks()) {
      BlockClaims claims(*options_.blocks, reader_, clock_, spec_.time == TimeMode::kProcessing);
      source::FileBlocks::Block block;
      while (std::optional<BlockClaims::Claim> claim = claims.Next()) {
        STARLING_RETURN_IF_ERROR(FillFromBlock(*options_.blocks, *claim, block, c));
        STARLING_RETURN_IF_ERROR(Process(parse_stage, c, outputs));
      }
      return Status::Ok();
    }
    reader_.KeepViews();  // each chunk is processed before the next Fill
    // Record mode (micro-batches cut their own chunks).
    const std::size_t per_chunk = std::max<std::size_t>(1, options_.inline_chunk_records);
    std::uint64_t seq = 0;
    bool more = true;
    while (more) {
      Result<bool> r = reader_.Fill(c, per_chunk);
      if (!r.ok()) return r.status();
      more = *r;
      c.seq = seq++;
      if (!more) {
        // The last records, then the end marker in a chunk of its own.
        c.force_checkpoint = true;
        STARLING_RETURN_IF_ERROR(Process(parse_stage, c, outputs));
        if (!CloseWindowsAtEnd()) break;
        c.Reset();
        c.seq = seq++;
        c.end = true;
        c.position = reader_.consumed();
      }
      STARLING_RETURN_IF_ERROR(Process(parse_stage, c, outputs));
    }
    return Status::Ok();
  }

  Status Process(ParseStage& parse_stage, Chunk& c, std::vector<PartitionOutput>& outputs) {
    parse_stage.Run(c);
    return KeyedStage(c, outputs);
  }

  // A parsed chunk, in input order: route, every partition, collect.
  Status KeyedStage(Chunk& c, std::vector<PartitionOutput>& outputs) {
    RouteChunk(c);
    for (std::uint32_t p = 0; p < partition_count_; ++p) partitions_[p]->Run(c, &outputs[p]);
    STARLING_RETURN_IF_ERROR(collector_->Run(c, outputs));
    return AfterChunk(c, outputs);
  }

  // N workers: reader, parse workers, router, partitions, collector (this
  // thread); or, for a parallel scan, parse workers that read their own
  // blocks, and no reader.
  Status Threaded() {
    // A block of a parallel scan is a big chunk (a MiB): two per worker
    // keep every worker busy, and more buffers only cost page faults.
    const std::size_t pool_size = options_.max_chunks > 0 ? options_.max_chunks
                                  : UseBlocks()           ? 2 * workers_
                                                          : 4 * workers_ + 4;
    std::vector<std::unique_ptr<Chunk>> storage;
    BoundedQueue<Chunk*> free_chunks(pool_size);
    for (std::size_t i = 0; i < pool_size; ++i) {
      storage.push_back(std::make_unique<Chunk>());
      (void)free_chunks.Push(storage.back().get());
    }
    BoundedQueue<Chunk*> to_parse(pool_size);
    BoundedQueue<Chunk*> parsed(pool_size);
    BoundedQueue<Chunk*> to_collect(pool_size);
    // Partition threads: at most one per partition; thread t runs the
    // partitions p with p % threads == t. None: this thread routes and runs
    // every partition itself (RunKeyedHere).
    const std::uint32_t partition_threads = PartitionThreads();
    std::vector<std::unique_ptr<BoundedQueue<Chunk*>>> to_partition;
    std::vector<std::unique_ptr<BoundedQueue<std::unique_ptr<PartitionOutput>>>> from_partition;
    for (std::uint32_t t = 0; t < partition_threads; ++t) {
      to_partition.push_back(std::make_unique<BoundedQueue<Chunk*>>(pool_size));
    }
    for (std::uint32_t p = 0; p < partition_count_; ++p) {
      from_partition.push_back(
          std::make_unique<BoundedQueue<std::unique_ptr<PartitionOutput>>>(pool_size));
    }
    std::mutex error_mu;
    Status error;
    auto fail = [&](Status st) {
      std::lock_guard lock(error_mu);
      if (error.ok()) error = std::move(st);
    };
    auto close_all = [&] {
      free_chunks.Close();
      to_parse.Close();
      parsed.Close();
      to_collect.Close();
      for (auto& q : to_partition) q->Close();
      for (auto& q : from_partition) q->Close();
    };
    const std::size_t first_chunk = std::max<std::size_t>(1, options_.chunk_records);
    // With checkpoints, chunks keep their size: a resumed run then cuts its
    // input where an uninterrupted one did, so it emits the same previews
    // (the open windows a chunk changed, at the end of each chunk).
    const std::size_t last_chunk = options_.checkpoint_dir.empty()
                                       ? std::max(first_chunk, options_.max_chunk_records)
                                       : first_chunk;

    std::vector<std::thread> threads;
    std::atomic<std::uint32_t> parsers_left{workers_};
    std::optional<BlockClaims> claims;  // outlives the threads
    if (UseBlocks()) {  // parse workers that read their own blocks: no reader thread
      claims.emplace(*options_.blocks, reader_, clock_, spec_.time == TimeMode::kProcessing);
      for (std::uint32_t w = 0; w < workers_; ++w) {
        threads.emplace_back([&] {
          ParseStage parse_stage(spec_, options_.parse);
          source::FileBlocks::Block block;
          for (;;) {
            // A chunk first, then the claim: a claimed block always has a
            // chunk to go in (the collector waits for it to restore order).
            Chunk* c;
            if (!free_chunks.Pop(&c)) return;
            std::optional<BlockClaims::Claim> claim = claims->Next();
            if (!claim) {
              (void)free_chunks.Push(c);
              break;
            }
            Status st = FillFromBlock(*options_.blocks, *claim, block, *c);
            if (!st.ok()) {
              fail(st);
              close_all();
              return;
            }
            parse_stage.Run(*c);
            if (!parsed.Push(c)) return;
          }
          if (parsers_left.fetch_sub(1) == 1) parsed.Close();
        });
      }
    } else {
      reader_.ShareViews();
      threads.emplace_back([&] {  // reader
        std::uint64_t seq = 0;
        bool more = true;
        std::size_t per_chunk = first_chunk;
        while (more) {
          Chunk* c;
          if (!free_chunks.Pop(&c)) return;
          Result<bool> r = reader_.Fill(*c, per_chunk);
          if (!r.ok()) {
            fail(r.status());
            close_all();
            return;
          }
          more = *r;
          per_chunk = NextChunkRecords(*c, per_chunk, first_chunk, last_chunk);
          c->seq = seq++;
          if (!more) {
            c->force_checkpoint = true;
            if (!to_parse.Push(c)) return;
            if (!CloseWindowsAtEnd()) {
              to_parse.Close();
              return;
            }
            if (!free_chunks.Pop(&c)) return;
            c->Reset();
            c->seq = seq++;
            c->end = true;
            c->position = reader_.consumed();
          }
          if (!to_parse.Push(c)) return;
        }
        to_parse.Close();
      });
      for (std::uint32_t w = 0; w < workers_; ++w) {
        threads.emplace_back([&] {  // parse workers
          ParseStage parse_stage(spec_, options_.parse);
          Chunk* c;
          while (to_parse.Pop(&c)) {
            parse_stage.Run(*c);
            if (!parsed.Push(c)) return;
          }
          if (parsers_left.fetch_sub(1) == 1) parsed.Close();
        });
      }
    }
    if (partition_threads == 0) {
      Status st = RunKeyedHere(parsed, free_chunks);
      if (!st.ok()) fail(st);
      close_all();
      for (std::thread& t : threads) t.join();
      return error;
    }
    threads.emplace_back([&] {  // router: restores input order
      InOrder order;
      Chunk* c;
      while (parsed.Pop(&c)) {
        order.Add(c);
        while (Chunk* ready = order.Next()) {
          RouteChunk(*ready);
          if (!to_collect.Push(ready)) return;
          for (auto& q : to_partition) {
            if (!q->Push(ready)) return;
          }
        }
      }
      to_collect.Close();
      for (auto& q : to_partition) q->Close();
    });
    for (std::uint32_t t = 0; t < partition_threads; ++t) {
      threads.emplace_back([&, t] {  // partitions
        Chunk* c;
        while (to_partition[t]->Pop(&c)) {
          for (std::uint32_t p = t; p < partition_count_; p += partition_threads) {
            auto out = std::make_unique<PartitionOutput>();
            partitions_[p]->Run(*c, out.get());
            if (!from_partition[p]->Push(std::move(out))) return;
          }
        }
        for (std::uint32_t p = t; p < partition_count_; p += partition_threads) {
          from_partition[p]->Close();
        }
      });
    }
    // Collector, here.
    std::vector<PartitionOutput> outputs(partition_count_);
    Chunk* c;
    while (to_collect.Pop(&c)) {
      bool ok = true;
      for (std::uint32_t p = 0; p < partition_count_ && ok; ++p) {
        std::unique_ptr<PartitionOutput> out;
        ok = from_partition[p]->Pop(&out);
        if (ok) outputs[p] = std::move(*out);
      }
      if (!ok) break;
      Status st = collector_->Run(*c, outputs);
      if (st.ok()) st = AfterChunk(*c, outputs);
      if (!st.ok()) {
        fail(st);
        close_all();
        break;
      }
      c->keeps.clear();  // the source may reuse those buffers now
      (void)free_chunks.Push(c);
    }
    close_all();
    for (std::thread& t : threads) t.join();
    return error;
  }

  std::uint32_t PartitionThreads() const {
    const int asked = options_.partition_threads;
    const std::uint32_t n = asked >= 0      ? static_cast<std::uint32_t>(asked)
                            : workers_ >= 4 ? workers_
                                            : 0;
    return std::min(n, partition_count_);
  }

  // The keyed stage on this thread: parsed chunks back in input order, then
  // KeyedStage, as Inline() does after parsing.
  Status RunKeyedHere(BoundedQueue<Chunk*>& parsed, BoundedQueue<Chunk*>& free_chunks) {
    std::vector<PartitionOutput> outputs(partition_count_);
    InOrder order;
    Chunk* c;
    while (parsed.Pop(&c)) {
      order.Add(c);
      while (Chunk* ready = order.Next()) {
        STARLING_RETURN_IF_ERROR(KeyedStage(*ready, outputs));
        ready->keeps.clear();  // the source may reuse those buffers now
        (void)free_chunks.Push(ready);
      }
    }
    return Status::Ok();
  }

  const PipelineSpec& spec_;
  const RunOptions& options_;
  std::uint32_t workers_;
  std::uint32_t partition_count_;
  RunStats stats_;
  Reader reader_;
  Router router_;
  std::unique_ptr<Collector> collector_;
  std::vector<std::unique_ptr<Partition>> partitions_;
  Clock& clock_;
  std::chrono::steady_clock::time_point t0_, last_flush_, last_progress_, last_checkpoint_,
      checkpoint_written_;
  std::uint64_t checkpoint_id_ = 0;
  LatencyHistogram latency_;
  std::uint64_t batch_latency_records_ = 0;
  std::mutex router_mu_;
  std::map<std::uint64_t, std::string> router_snapshots_;
  std::int64_t block_file_ = -1;  // PlaceBlockLines: the file of the last block
  std::uint64_t block_line_base_ = 0;
};

}  // namespace

Result<RunStats> RunPipeline(const PipelineSpec& spec, source::RecordSource& source,
                             const RunOptions& options) {
  Run run(spec, source, options);
  return run.Go();
}

}  // namespace starling::dataflow
