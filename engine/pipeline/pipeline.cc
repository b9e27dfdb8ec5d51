// The micro-batch loop; see pipeline.h.
#include "engine/pipeline/pipeline.h"
#include "engine/pipeline/batch_sizer.h"
#include "engine/util/log.h"
#include "state/changelog.h"
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace segstream {
namespace {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Pipeline::Pipeline(PipelineOptions options, SegmentEngine* engine, Source* source, Sink* sink, StateStore* store,
                   PipelineObserver* observer)
    : options_(options),
      engine_(engine),
      source_(source),
      sink_(sink),
      store_(store),
      observer_(observer),
      invoice_sweep_(store) {}

Status Pipeline::Run(const std::atomic<bool>& stop) {
  source_id_ = source_->Id();
  if (options_.changelog) SEGSTREAM_RETURN_IF_ERROR(invoice_sweep_.Load());
  auto positions = engine_->StoredPositions(source_id_);
  if (!positions.ok()) return positions.status();
  SEGSTREAM_RETURN_IF_ERROR(source_->Seek(positions.value()));
  for (const Position& p : positions.value()) applied_[p.partition] = p;
  auto offsets = engine_->StoredSinkOffsets();
  if (!offsets.ok()) return offsets.status();
  SEGSTREAM_RETURN_IF_ERROR(sink_->Open(offsets.value()));
  for (const Position& p : sink_->PublishedPositions()) {
    auto it = applied_.find(p.partition);
    if (it == applied_.end() || p.next_offset > it->second.next_offset) {
      if (options_.changelog) {
        // The changelog restore (connectors/kafka/changelog_restore.h)
        // brought the state up to the committed transactions; re-applying
        // here would commit state changes the changelog never sees.
        return Status::Corruption(fmt::format(
            "partition {}: outputs are published through offset {} but the state, restored from its changelog, "
            "only through {}: the changelog topic lacks transactions whose outputs the group published (was it "
            "deleted or re-created, or were its records deleted?), so it cannot restore this group's state",
            p.partition, p.next_offset, it == applied_.end() ? 0 : it->second.next_offset));
      }
      published_[p.partition] = p.next_offset;
      log::Warn("outputs_ahead_of_state",
                fmt::format("partition {}: outputs are published through offset {}, the state only through {}; "
                            "re-applying those records without publishing them again",
                            p.partition, p.next_offset, it == applied_.end() ? 0 : it->second.next_offset));
    }
  }
  if (observer_) {
    // What a restarted engine already holds (its model, its customers) is
    // known before the first batch: report it, so gauges are not absent
    // while an idle restarted engine waits for input.
    BatchReport initial;
    initial.initial = true;
    FillStateReport(&initial);
    observer_->OnBatch(initial);
    observer_->OnReady(source_->Ready());
  }

  const double start = NowSeconds();
  double last_record = start;
  size_t batch_limit = options_.batch_records;
  if (options_.max_rate > 0) {
    // About 20 batches a second keeps a paced replay smooth.
    batch_limit = std::max<size_t>(1, std::min<size_t>(batch_limit, static_cast<size_t>(options_.max_rate / 20)));
  }
  BatchSizer sizer(batch_limit, options_.target_batch_seconds);
  SourceBatch batch;
  EngineOutputs outputs;
  while (!stop.load(std::memory_order_relaxed)) {
    batch.Clear();
    outputs.Clear();
    SEGSTREAM_RETURN_IF_ERROR(source_->Poll(sizer.next(), options_.poll_timeout_ms, &batch));
    const double t0 = NowSeconds();
    const std::vector<Position> next = SkipRedelivered(&batch);
    if (!published_.empty()) {
      auto reapplied = ReapplyPublished(&batch);
      if (!reapplied.ok()) return reapplied.status();
      if (*reapplied > 0) last_record = t0;
    }
    bool finish = batch.end_of_input;
    if (batch.records.empty() && !finish) {
      const bool ready = source_->Ready();
      if (observer_) observer_->OnReady(ready);
      if (!ready) last_record = t0;
      if (options_.until_idle_seconds > 0 && t0 - last_record >= options_.until_idle_seconds) {
        finish = true;
      } else {
        continue;
      }
    }
    if (!batch.records.empty()) last_record = t0;
    SEGSTREAM_RETURN_IF_ERROR(engine_->Process(source_id_, batch, &outputs));
    bool more = false;
    if (finish) SEGSTREAM_RETURN_IF_ERROR(engine_->FinishSome(&outputs, &more));
    stats_.records += batch.records.size();
    SEGSTREAM_RETURN_IF_ERROR(Commit(next, &outputs, NowSeconds() - t0));
    stats_.batch_seconds.push_back(NowSeconds() - t0);
    sizer.Observe(batch.records.size(), stats_.batch_seconds.back());
    // The end's rescoring pass, a bounded share per commit (FinishSome).
    while (more && !stop.load(std::memory_order_relaxed)) {
      const double t1 = NowSeconds();
      outputs.Clear();
      SEGSTREAM_RETURN_IF_ERROR(engine_->FinishSome(&outputs, &more));
      SEGSTREAM_RETURN_IF_ERROR(Commit(next, &outputs, NowSeconds() - t1));
      stats_.batch_seconds.push_back(NowSeconds() - t1);
      ++stats_.batches;
    }
    ++stats_.batches;
    stats_.seconds = NowSeconds() - start;
    if (options_.progress) PrintProgress(false);
    if (finish) {
      stats_.finished = !more;  // stopped during the end's pass: a restart resumes it
      break;
    }
    if (options_.max_rate > 0) {
      const double due = start + static_cast<double>(stats_.records) / options_.max_rate;
      const double wait = due - NowSeconds();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    }
  }
  stats_.seconds = NowSeconds() - start;
  if (options_.progress) PrintProgress(true);
  return Status::OK();
}

std::vector<Position> Pipeline::SkipRedelivered(SourceBatch* batch) {
  auto& records = batch->records;
  if (!applied_.empty()) {
    const size_t before = records.size();
    std::erase_if(records, [this](const DecodedRecord& r) {
      auto it = applied_.find(r.origin.partition);
      return it != applied_.end() && r.origin.offset < it->second.next_offset;
    });
    stats_.redelivered += before - records.size();
  }
  std::vector<Position> next;
  next.reserve(batch->next.size());
  for (const Position& p : batch->next) {
    auto [it, inserted] = applied_.try_emplace(p.partition, p);
    if (!inserted && p.next_offset > it->second.next_offset) it->second = p;
    next.push_back(it->second);
  }
  return next;
}

Result<size_t> Pipeline::ReapplyPublished(SourceBatch* batch) {
  SourceBatch replay;
  std::vector<DecodedRecord> live;
  std::map<int32_t, Position> replay_next;
  for (DecodedRecord& r : batch->records) {
    auto it = published_.find(r.origin.partition);
    if (it != published_.end() && r.origin.offset < it->second) {
      replay_next[r.origin.partition] =
          Position{r.origin.partition, r.origin.offset + 1, r.origin.line == 0 ? 0 : r.origin.line + 1};
      replay.records.push_back(std::move(r));
    } else {
      // A record at or past the fence: this partition is live again.
      if (it != published_.end()) published_.erase(it);
      live.push_back(std::move(r));
    }
  }
  batch->records = std::move(live);
  if (replay.records.empty()) return size_t{0};
  // The outputs of these records are in the sink already (committed by the
  // run that died before its state commit); the engine is deterministic, so
  // re-applying them rebuilds exactly that state, and the outputs are dropped
  // (its changelog records, too, were committed with them).
  EngineOutputs already_published;
  SEGSTREAM_RETURN_IF_ERROR(engine_->Process(source_id_, replay, &already_published));
  std::vector<Position> positions;
  for (const auto& [partition, p] : replay_next) {
    positions.push_back(p);
    if (auto it = published_.find(partition); it != published_.end() && p.next_offset >= it->second) {
      published_.erase(it);
    }
  }
  StateWrite write;
  engine_->BuildCommit(source_id_, positions, sink_->Offsets(), &write);
  SEGSTREAM_RETURN_IF_ERROR(store_->Commit(write));
  engine_->OnCommitted();
  store_->SetInvoiceRetentionFloor(engine_->InvoiceRetentionFloor());
  stats_.records += replay.records.size();
  stats_.reapplied += replay.records.size();
  return replay.records.size();
}

Status Pipeline::Commit(const std::vector<Position>& positions, EngineOutputs* outputs, double batch_seconds) {
  for (const auto& r : outputs->records) SEGSTREAM_RETURN_IF_ERROR(sink_->Append(r.stream, r.key, r.value));
  StateWrite write;
  if (options_.changelog) {
    // The state changes join the outputs in the sink's transaction, so the
    // write is built before the Flush; the changelog offsets the Flush
    // reaches are added after it. The expired invoices' deletes come first,
    // so that a put of the same key by this batch (a forgotten invoice seen
    // again) wins. A step visits twice as many keys as the batch creates
    // invoice records, so a round of the sweep ends before the records
    // present at its start have doubled: at most about as many expired
    // records as live ones wait for it.
    SEGSTREAM_RETURN_IF_ERROR(invoice_sweep_.Step(
        64 + 2 * engine_->InvoicesCreated(), [this](int32_t p) { return engine_->InvoiceRetentionFloor(p); },
        &write));
    engine_->BuildCommit(source_id_, positions, {}, &write);
    SEGSTREAM_RETURN_IF_ERROR(AppendChangelog(write, store_, [this](int32_t p, std::string_view k, const std::string* v) {
      return sink_->AppendStateChange(p, k, v);
    }));
  }
  // Outputs first: a crash after this point replays the batch and produces
  // them again (same customer_id/seq), never loses them. An exactly-once
  // sink commits the positions with them, and the replay skips them.
  sink_->SetBatchPositions(positions);
  SEGSTREAM_RETURN_IF_ERROR(sink_->Flush());
  if (++flushes_ == options_.test_crash_after_flushes) {
    std::fprintf(stderr, "segstream: test crash point: exiting after sink flush %llu, before the state commit\n",
                 static_cast<unsigned long long>(flushes_));
    std::_Exit(137);
  }
  if (options_.changelog) {
    SegmentEngine::PutSinkOffsets(sink_->Offsets(), &write);
  } else {
    engine_->BuildCommit(source_id_, positions, sink_->Offsets(), &write);
  }
  SEGSTREAM_RETURN_IF_ERROR(store_->Commit(write));
  engine_->OnCommitted();
  // With the changelog the sweep deletes expired invoices, as writes the
  // topic sees; the compaction filter must not drop them first.
  if (!options_.changelog) store_->SetInvoiceRetentionFloor(engine_->InvoiceRetentionFloor());
  // Offsets to the broker only after the state is durable (lag tools only).
  Status s = source_->CommitDurable(positions);
  if (!s.ok()) log::Warn("source_commit_failed", s.ToString());

  BatchReport report;
  report.events = engine_->TakeBatchCounts().counts();
  report.changes_by_reason = engine_->TakeBatchChanges();
  report.model_published = engine_->TakePublished();
  if (observer_) {
    report.end_to_end_seconds = std::move(outputs->end_to_end_seconds);
    report.processing_seconds = batch_seconds;
    FillStateReport(&report);
    observer_->OnBatch(report);
    observer_->OnReady(source_->Ready());
  }
  return Status::OK();
}

void Pipeline::FillStateReport(BatchReport* report) {
  report->watermark = engine_->watermark();
  report->customers_total = engine_->customers_total();
  report->customers_active = engine_->customers_active();
  if (!engine_->serving().empty()) report->model = engine_->Gauge();
  for (const auto& [partition, lag] : source_->Lag()) report->lag.push_back({partition, lag});
  report->store = store_->Gauges();
}

void Pipeline::PrintProgress(bool final_line) {
  const double now = NowSeconds();
  if (!final_line && now - last_progress_ < 0.5) return;
  last_progress_ = now;
  const auto& counts = engine_->run_counts();
  const double rate = stats_.seconds > 0 ? static_cast<double>(stats_.records) / stats_.seconds : 0;
  std::fprintf(stderr, "\r%12llu lines  %10.0f lines/s  %8llu dead letters  %8llu customers  model v%llu ",
               static_cast<unsigned long long>(stats_.records), rate,
               static_cast<unsigned long long>(counts.Total("dead_letter")),
               static_cast<unsigned long long>(engine_->customers_total()),
               static_cast<unsigned long long>(engine_->serving().version));
  if (final_line) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace segstream
