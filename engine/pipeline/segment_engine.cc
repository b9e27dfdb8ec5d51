// SegmentEngine, the per-record path: cleaning, duplicate detection, RFM
// apply, exact scaler maintenance, scoring and change events (retraction,
// its inverse, is in segment_engine_retract.cc).
#include <algorithm>
#include <chrono>
#include <cstring>

#include "connectors/decode/dead_letter.h"
#include "connectors/decode/event_json.h"
#include "engine/model/features.h"
#include "engine/pipeline/segment_engine.h"
#include "engine/util/json.h"
#include "engine/util/time.h"
#include "state/record_codec.h"

namespace segstream {

void OutcomeCounts::Add(const std::string& result, const std::string& reason, uint64_t n) {
  for (auto& c : counts_) {
    if (c.reason == reason && c.result == result) {
      c.count += n;
      return;
    }
  }
  counts_.push_back({result, reason, n});
}

uint64_t OutcomeCounts::Total(const std::string& result) const {
  uint64_t total = 0;
  for (const auto& c : counts_) {
    if (c.result == result) total += c.count;
  }
  return total;
}

void OutcomeCounts::Merge(const OutcomeCounts& other) {
  for (const auto& c : other.counts_) Add(c.result, c.reason, c.count);
}

namespace {

TrainerOptions TrainerOptionsOf(const EngineOptions& o) {
  TrainerOptions t;
  t.k = o.k;
  t.k_min = o.k_min;
  t.k_max = o.k_max;
  t.k_review_sample = o.k_review_sample;
  t.refit_tolerance = o.refit_tolerance;
  t.drift_threshold = o.drift_threshold;
  t.seed = o.seed;
  return t;
}

}  // namespace

SegmentEngine::SegmentEngine(EngineOptions options, StateStore* store)
    : options_(std::move(options)), store_(store),
      invoices_(store, options_.dedup_window_seconds, options_.invoice_cache_entries),
      trainer_(TrainerOptionsOf(options_)),
      timers_(store),
      changes_(options_.changes_kept), serving_snapshot_(std::make_shared<ServingModel>()) {}

namespace {

// "bad_number: Quantity \"12x\"" -> "bad_number".
std::string ReasonClass(const std::string& error) {
  const auto colon = error.find(':');
  return colon == std::string::npos ? error : error.substr(0, colon);
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void SegmentEngine::DeadLetter(const std::string& source_id, const DecodedRecord& r, std::string error,
                               EngineOutputs* out) {
  DecodedRecord dead = r;
  dead.error = std::move(error);
  if (dead.raw.empty() && r.error.empty()) dead.raw = EncodeEventJson(r.event);  // engine-side reasons: the event as read
  const std::string reason = ReasonClass(dead.error);
  batch_counts_.Add("dead_letter", reason);
  analytics_.OnOutcome("dead_letter", reason);  // analytics hook
  out->records.push_back({OutputStream::kDeadLetters, r.event.customer_id, DeadLetterJson(source_id, dead)});
}

Status SegmentEngine::Process(const std::string& source_id, const SourceBatch& batch, EngineOutputs* out) {
  const int64_t now_seconds = options_.wall_clock ? options_.wall_clock() : WallClockSeconds();
  read_error_ = Status::OK();
  PrefetchCustomers(batch);
  for (const DecodedRecord& r : batch.records) {
    if (!read_error_.ok()) break;
    if (!r.error.empty()) {
      DeadLetter(source_id, r, r.error, out);  // the decoder's reason, its raw text
      continue;
    }
    if (!r.skip.empty()) {  // skipped by the source on purpose (a CDC tombstone)
      batch_counts_.Add("skipped", std::string(r.skip));
      analytics_.OnOutcome("skipped", r.skip);
      continue;
    }
    if (!ValidStatePartition(r.origin.partition)) {  // not from a real source: Kafka's counts are far below
      DeadLetter(source_id, r, "partition_out_of_range: input partition " + std::to_string(r.origin.partition) +
                                   " is outside 0.." + std::to_string(kMaxStatePartition), out);
      continue;
    }
    const InvoiceEvent& e = r.event;
    const LineClass cls = Classify(e, options_.rules);
    if (!IsAccepted(cls)) {
      batch_counts_.Add("skipped", LineClassName(cls));
      analytics_.OnOutcome("skipped", LineClassName(cls));  // analytics hook
      continue;
    }
    // Event time beyond the wall clock's horizon would move the watermark,
    // and with it every customer's recency, for good (see EngineOptions).
    // (A retraction only undoes what was applied: it cannot move anything ahead.)
    if (!r.retract && options_.max_future_seconds >= 0 && e.invoice_ts > now_seconds + options_.max_future_seconds) {
      DeadLetter(source_id, r, "future_event_time: " + FormatIso8601(e.invoice_ts) + " is more than " +
                                   std::to_string(options_.max_future_seconds) + " s ahead of the wall clock",
                 out);
      continue;
    }
    SetRecordKey(r);
    InvoiceLedger::Entry* inv = nullptr;
    // The dedup window runs on the record's partition's watermark
    // (PartitionDirectory): never on how partitions interleave.
    const int32_t partition = r.origin.partition;
    SEGSTREAM_RETURN_IF_ERROR(invoices_.Lookup(record_key_, e.invoice, partitions_.watermark(partition), &inv));
    if (r.retract) {
      if (Retract(source_id, r, cls == LineClass::kPurchase, LineClassName(cls), inv, out) &&
          ++accepted_since_step_ >= options_.step_events) {
        Step(out);
      }
      continue;
    }
    const uint64_t fp = LineFingerprint(e);
    if (InvoiceLedger::HoldsLine(inv->rec, fp)) {
      batch_counts_.Add("duplicate", "duplicate");
      analytics_.OnOutcome("duplicate", "duplicate");  // analytics hook
      continue;
    }
    const bool is_purchase = cls == LineClass::kPurchase;
    // Sums are checked before anything changes: a line that would carry a
    // customer's purchases or returns past kMaxCustomerMoneyMilli is a dead
    // letter, and the customer keeps the exact sums it had.
    int64_t amount_milli = 0;
    if (auto why = CheckAccumulate(e, is_purchase, &amount_milli); !why.empty()) {
      DeadLetter(source_id, r, std::move(why), out);
      continue;
    }
    inv->rec.line_fingerprints.push_back(fp);
    if (is_purchase && inv->rec.purchase_lines >= 0) ++inv->rec.purchase_lines;  // -1: unknown (format 2)
    const bool new_purchase_invoice = is_purchase && !inv->rec.purchase_counted;
    if (new_purchase_invoice) inv->rec.purchase_counted = true;
    invoices_.MarkChanged(inv);
    batch_counts_.Add("accepted", LineClassName(cls));
    analytics_.OnAccepted(e, is_purchase, inv->rec.purchase_counted, new_purchase_invoice,  // analytics hook
                          inv->rec.line_fingerprints.size());
    ApplyAccepted(e, is_purchase, new_purchase_invoice, amount_milli, r.origin, out);
    partitions_.AdvanceWatermark(partition, e.invoice_ts);  // the line itself advances it
    inv->rec.written_watermark = partitions_.watermark(partition);
    if (++accepted_since_step_ >= options_.step_events) Step(out);
  }
  absent_keys_.clear();
  return read_error_;
}

std::string SegmentEngine::CheckAccumulate(const InvoiceEvent& e, bool is_purchase, int64_t* amount_milli) {
  int64_t& amount = *amount_milli;
  if (!CheckedLineAmountMilli(e.quantity, e.unit_price_milli, &amount)) {
    return "money_overflow: quantity " + std::to_string(e.quantity) + " x unit price " +
           std::to_string(e.unit_price_milli) + " thousandths exceeds the line limit";
  }
  const uint32_t slot = FindExisting(record_key_);
  if (slot == UINT32_MAX) return {};
  const CustomerRecord& r = cache_.at(slot).rec;
  const int64_t sum = is_purchase ? r.purchases_milli : r.returns_milli;
  int64_t next = 0;
  if (!CheckedAddMoneyMilli(sum, amount, &next)) {
    return std::string("money_overflow: the customer's ") + (is_purchase ? "purchases" : "returns") +
           " would exceed " + std::to_string(kMaxCustomerMoneyMilli / 1000) + " currency units";
  }
  return {};
}

void SegmentEngine::MarkTouched(uint32_t slot) {
  CachedCustomer& s = cache_.at(slot);
  MarkDirty(slot);
  s.timer_dirty = true;
  if (!s.in_step) {
    s.in_step = true;
    step_buffer_.push_back(slot);
  }
  ++accepted_since_publish_;
}

void SegmentEngine::ApplyAccepted(const InvoiceEvent& e, bool is_purchase, bool new_purchase_invoice,
                                  int64_t amount_milli, const Origin& origin, EngineOutputs* out) {
  const uint32_t slot = FindOrCreate(record_key_);
  if (slot == UINT32_MAX) return;  // the partition is full (read_error_ says so)
  CachedCustomer& s = cache_.at(slot);
  CustomerRecord& r = s.rec;
  const CustomerRecord before = r;  // analytics hook
  const bool was_active = r.active();
  if (was_active) statistics_.Leave(r);

  const bool is_return = !is_purchase;
  const int64_t amount = amount_milli;  // CheckAccumulate() bounded the line and the sums
  if (is_return) {
    r.returns_milli += amount;
  } else {
    r.purchases_milli += amount;
    if (new_purchase_invoice) ++r.frequency;
    if (r.last_purchase_ts == kNoTime || e.invoice_ts > r.last_purchase_ts) r.last_purchase_ts = e.invoice_ts;
    if (r.first_purchase_ts == kNoTime || e.invoice_ts < r.first_purchase_ts) r.first_purchase_ts = e.invoice_ts;
  }
  if (r.last_event_ts == kNoTime || e.invoice_ts > r.last_event_ts) r.last_event_ts = e.invoice_ts;
  if (s.history.known) s.history.Add(e.invoice_ts, is_purchase);
  analytics_.OnCustomerChanged(before, r);  // analytics hook
  if (watermark_ == kNoTime || e.invoice_ts > watermark_) watermark_ = e.invoice_ts;

  if (r.active()) {
    s.vec = statistics_.Enter(&s.rec, watermark_);
    if (!was_active) ++active_;
  }
  MarkTouched(slot);
  if (!serving_.empty() && r.active()) {
    Rescore(slot, is_return ? "return" : "purchase", e.invoice_ts, out, origin.ingest_us, e.invoice);
  }
}

void SegmentEngine::Rescore(uint32_t slot, const char* reason, int64_t event_time, EngineOutputs* out,
                            int64_t ingest_us, std::string_view invoice, bool version_visit) {
  CachedCustomer& s = cache_.at(slot);
  // s.vec holds the features at the current watermark when the customer was
  // just touched; otherwise (timers, versions) compute them afresh.
  const model::Vec3 z = serving_.z.Apply(s.rec.vector_watermark == watermark_ ? s.vec
                                                                          : CustomerLogFeatures(s.rec, watermark_));
  const int row = ScoreRow(serving_, z, s.rec.segment_id, options_.hysteresis);
  const int new_id = serving_.segments[static_cast<size_t>(row)].id;
  // Versions rescore everyone; their watermark is the model's event_time, so
  // only the other rescoring paths (events, timers) record theirs.
  if (!version_visit) {
    if (s.rec.scored_watermark != watermark_ || s.rec.scored_version != serving_.version) {
      s.rec.scored_watermark = watermark_;
      s.rec.scored_version = serving_.version;
      MarkDirty(slot);
    }
  }
  if (new_id == s.rec.segment_id) return;
  const int previous = s.rec.segment_id;
  // Named under the model it was assigned by, before the pass moves on.
  const SegmentInfo* left = ModelOfCurrentSegment(slot).Find(previous);
  s.rec.segment_id = new_id;
  CountSegment(previous, -1);
  CountSegment(new_id, +1);
  MarkDirty(slot);
  EmitChange(slot, previous, left, reason, event_time, invoice, out);
  if (ingest_us > 0) out->end_to_end_seconds.push_back(static_cast<double>(NowMicros() - ingest_us) / 1e6);
}

void SegmentEngine::EmitChange(uint32_t slot, int previous_id, const SegmentInfo* before, const char* reason,
                               int64_t event_time, std::string_view invoice, EngineOutputs* out) {
  CachedCustomer& s = cache_.at(slot);
  CustomerRecord& r = s.rec;
  ++r.seq;
  const SegmentInfo* now = serving_.Find(r.segment_id);
  SegmentChange change;
  change.customer_id = s.customer_id();
  change.seq = r.seq;
  change.segment_id = r.segment_id;
  change.segment_name = now ? std::string_view(now->name) : std::string_view();
  change.previous_segment_id = previous_id;
  change.previous_segment_name = before ? std::string_view(before->name) : "retired";  // gone from the model
  change.reason = reason;
  change.has_recency = r.active();  // no purchase left (a retraction): null
  if (change.has_recency) change.recency_days = r.recency_days(watermark_);
  change.frequency = r.frequency;
  change.monetary_milli = r.monetary_milli();
  change.model_version = serving_.version;
  change.event_time = event_time;
  change.invoice = invoice;  // the invoice behind a purchase/return change; empty for recency/model
  changes_.Emit(change, s.key, out);
  analytics_.OnChange(serving_.version, previous_id, r.segment_id);  // analytics hook
}

void SegmentEngine::EmitLatestSegment(uint32_t slot, int64_t event_time, EngineOutputs* out) {
  const CachedCustomer& s = cache_.at(slot);
  const SegmentInfo* now = serving_.Find(s.rec.segment_id);
  changes_.EmitLatest(s.customer_id(), s.rec.segment_id, now ? std::string_view(now->name) : std::string_view(), s.rec.seq,
                      serving_.version, event_time, out);
}

OutcomeCounts SegmentEngine::TakeBatchCounts() {
  OutcomeCounts c = std::move(batch_counts_);
  batch_counts_.Clear();
  run_counts_.Merge(c);
  return c;
}

std::vector<std::pair<std::string, uint64_t>> SegmentEngine::TakeBatchChanges() { return changes_.TakeCounts(); }

bool SegmentEngine::TakePublished() {
  const bool p = published_in_batch_;
  published_in_batch_ = false;
  return p;
}

std::shared_ptr<const ServingModel> SegmentEngine::ServingSnapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return serving_snapshot_;
}

std::vector<std::pair<int, uint64_t>> SegmentEngine::SegmentSizes() const {
  // O(k) from the live counts. During a rescoring pass, customers it has not
  // reached yet still count in their previous version's segment.
  std::vector<std::pair<int, uint64_t>> sizes;
  for (const auto& seg : serving_.segments) {
    uint64_t n = 0;
    for (const auto& [id, count] : segment_sizes_) {
      if (id == seg.id) n = count;
    }
    sizes.emplace_back(seg.id, n);
  }
  return sizes;
}

void SegmentEngine::CountSegment(int segment_id, int delta) {
  if (segment_id < 0) return;
  for (auto it = segment_sizes_.begin(); it != segment_sizes_.end(); ++it) {
    if (it->first != segment_id) continue;
    it->second += static_cast<uint64_t>(static_cast<int64_t>(delta));
    if (it->second == 0) segment_sizes_.erase(it);
    return;
  }
  if (delta > 0) segment_sizes_.emplace_back(segment_id, static_cast<uint64_t>(delta));
}

}  // namespace segstream
