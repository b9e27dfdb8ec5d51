// SegmentEngine, the durable side: loading from the store, building the
// per-batch WriteBatch (state + positions + sink offsets), and the encoding
// of the engine's own meta record (documented in state/FORMAT.md).
#include <bit>
#include <charconv>
#include <cstdio>

#include "engine/pipeline/segment_engine.h"
#include "state/record_codec.h"

namespace segstream {
namespace {

// 1: without the rescoring pass (read as "no pass under way").
constexpr uint8_t kEngineMetaFormat = 2;
constexpr const char* kEngineKey = "engine";
constexpr const char* kServingKey = "model/serving";
constexpr const char* kPassPreviousKey = "model/pass_previous";
constexpr const char* kSinkPrefix = "sink/";

std::string PositionPrefix(const std::string& source_id) { return "pos/" + source_id + "/"; }

std::string PositionKey(const std::string& source_id, int32_t partition) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010d", partition);
  return PositionPrefix(source_id) + buf;
}

}  // namespace

Status SegmentEngine::Load() {
  std::vector<Slot> loaded;
  Status decode_status;
  SEGSTREAM_RETURN_IF_ERROR(store_->Scan(Column::kCustomers, "", [&](std::string_view key, std::string_view value) {
    CustomerRecord r;
    CustomerHistory history;
    decode_status = DecodeCustomer(value, &r, &history);
    if (!decode_status.ok()) return false;
    if (r.index >= loaded.size()) loaded.resize(r.index + 1);
    loaded[r.index].id = std::string(key);
    loaded[r.index].rec = r;
    loaded[r.index].history = std::move(history);
    return true;
  }));
  SEGSTREAM_RETURN_IF_ERROR(decode_status);
  for (size_t i = 0; i < loaded.size(); ++i) {
    if (loaded[i].id.empty()) return Status::Corruption("customer index " + std::to_string(i) + " is missing");
    by_id_.emplace(loaded[i].id, static_cast<uint32_t>(i));
    if (loaded[i].rec.active()) {
      ++active_;
      recency_histogram_.Add(loaded[i].rec.last_purchase_ts);
      CountSegment(loaded[i].rec.segment_id, +1);
    }
    analytics_.OnCustomerChanged(CustomerRecord{}, loaded[i].rec);  // analytics hook: rebuilds its histograms
  }
  slots_ = std::move(loaded);
  SEGSTREAM_RETURN_IF_ERROR(analytics_.Load(store_));  // analytics hook

  std::string value;
  Status s = store_->Get(Column::kMeta, kEngineKey, &value);
  if (s.ok()) {
    SEGSTREAM_RETURN_IF_ERROR(DecodeEngineMeta(value));
  } else if (s.code() != Status::Code::kNotFound) {
    return s;
  }
  s = store_->Get(Column::kMeta, kServingKey, &value);
  if (s.ok()) {
    SEGSTREAM_RETURN_IF_ERROR(DecodeServingModel(value, &serving_));
  } else if (s.code() != Status::Code::kNotFound) {
    return s;
  }
  if (pass_.active) {
    s = store_->Get(Column::kMeta, kPassPreviousKey, &value);
    if (!s.ok()) {
      return s.code() == Status::Code::kNotFound
                 ? Status::Corruption("a rescoring pass is under way but its previous model is missing")
                 : s;
    }
    SEGSTREAM_RETURN_IF_ERROR(DecodeServingModel(value, &pass_.previous));
  }
  // After the engine meta: StoredVector needs the sweep watermark.
  for (Slot& slot : slots_) {
    if (slot.rec.active()) slot.vec = StoredVector(slot.rec);
  }
  for (uint32_t slot : step_buffer_) {
    if (slot >= slots_.size()) return Status::Corruption("step buffer names an unknown customer");
    slots_[slot].in_step = true;
    slots_[slot].timer_dirty = true;
  }
  if (!serving_.empty()) {
    for (uint32_t slot = 0; slot < slots_.size(); ++slot) {
      // From the last step's watermark, not the current one: a crossing that
      // fell between that step and the crash is still due at the next step,
      // exactly as it would have been without the restart.
      // Customers awaiting the version's pass have no timer (see Publish).
      if (slots_[slot].rec.active() && !slots_[slot].timer_dirty && !AwaitsPass(slot)) {
        RescheduleTimer(slot, last_step_watermark_);
      }
    }
  }
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  serving_snapshot_ = std::make_shared<ServingModel>(serving_);
  return Status::OK();
}

Result<std::vector<Position>> SegmentEngine::StoredPositions(const std::string& source_id) {
  std::vector<Position> positions;
  Status bad;
  const std::string prefix = PositionPrefix(source_id);
  SEGSTREAM_RETURN_IF_ERROR(store_->Scan(Column::kMeta, prefix, [&](std::string_view key, std::string_view value) {
    Position p;
    const std::string_view digits = key.substr(prefix.size());
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p.partition);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || p.partition < 0) {
      bad = Status::Corruption("bad stored position key " + std::string(key));
      return false;
    }
    Decoder d(value);
    uint64_t offset, line;
    if (!d.GetVarint(&offset) || !d.GetVarint(&line)) {
      bad = Status::Corruption("bad stored position " + std::string(key));
      return false;
    }
    p.next_offset = static_cast<int64_t>(offset);
    p.next_line = line;
    positions.push_back(p);
    return true;
  }));
  if (!bad.ok()) return bad;
  return positions;
}

Result<SinkOffsets> SegmentEngine::StoredSinkOffsets() {
  SinkOffsets offsets;
  Status bad;
  SEGSTREAM_RETURN_IF_ERROR(store_->Scan(Column::kMeta, kSinkPrefix, [&](std::string_view key, std::string_view value) {
    Decoder d(value);
    uint64_t v;
    if (!d.GetVarint(&v)) {
      bad = Status::Corruption("bad stored sink offset " + std::string(key));
      return false;
    }
    offsets[std::string(key.substr(std::string_view(kSinkPrefix).size()))] = static_cast<int64_t>(v);
    return true;
  }));
  if (!bad.ok()) return bad;
  return offsets;
}

void SegmentEngine::BuildCommit(const std::string& source_id, const std::vector<Position>& positions,
                                const SinkOffsets& sink_offsets, StateWrite* w) {
  for (uint32_t slot : dirty_slots_) {
    w->Put(Column::kCustomers, slots_[slot].id, EncodeCustomer(slots_[slot].rec, &slots_[slot].history));
  }
  for (const std::string& key : dirty_invoices_) {
    const InvoiceRecord& inv = invoices_[key].rec;
    // An invoice whose every line was retracted is gone, as if never seen.
    if (inv.line_fingerprints.empty()) {
      w->ops.push_back({Column::kInvoices, key, {}, true});
    } else {
      w->Put(Column::kInvoices, key, EncodeInvoice(inv));
    }
  }
  for (auto& op : pending_changes_) w->ops.push_back(op);
  w->Put(Column::kMeta, kEngineKey, EncodeEngineMeta());
  if (published_since_commit_) w->Put(Column::kMeta, kServingKey, EncodeServingModel(serving_));
  if (pass_previous_dirty_) w->Put(Column::kMeta, kPassPreviousKey, EncodeServingModel(pass_.previous));
  analytics_.BuildCommit(w);  // analytics hook
  for (const Position& p : positions) {
    std::string v;
    PutVarint(&v, static_cast<uint64_t>(p.next_offset));
    PutVarint(&v, p.next_line);
    w->Put(Column::kMeta, PositionKey(source_id, p.partition), std::move(v));
  }
  for (const auto& [name, offset] : sink_offsets) {
    std::string v;
    PutVarint(&v, static_cast<uint64_t>(offset));
    w->Put(Column::kMeta, kSinkPrefix + name, std::move(v));
  }
}

void SegmentEngine::OnCommitted() {
  for (uint32_t slot : dirty_slots_) slots_[slot].dirty = false;
  dirty_slots_.clear();
  for (const std::string& key : dirty_invoices_) invoices_[key].dirty = false;
  dirty_invoices_.clear();
  pending_changes_.clear();
  published_since_commit_ = false;
  pass_previous_dirty_ = false;
  analytics_.OnCommitted();  // analytics hook
  // Everything cached is durable now; bound the cache by dropping it whole
  // (invoices of a customer are usually contiguous, so this costs little).
  if (invoices_.size() > options_.invoice_cache_entries) {
    invoices_.clear();
    last_invoice_ = nullptr;
  }
}

std::string SegmentEngine::EncodeEngineMeta() const {
  std::string out;
  out.push_back(static_cast<char>(kEngineMetaFormat));
  PutSignedVarint(&out, watermark_);
  PutSignedVarint(&out, sweep_watermark_);
  PutBytes(&out, scaler_.Serialize());
  PutBytes(&out, training_scaler_.Serialize());
  out.push_back(has_training_ ? 1 : 0);
  PutBytes(&out, has_training_ ? training_.Serialize() : std::string());
  PutVarint(&out, step_buffer_.size());
  for (uint32_t slot : step_buffer_) PutVarint(&out, slot);
  PutVarint(&out, reseeded_since_publish_.size());
  for (int r : reseeded_since_publish_) PutVarint(&out, static_cast<uint64_t>(r));
  PutVarint(&out, accepted_since_step_);
  PutVarint(&out, accepted_since_publish_);
  PutVarint(&out, steps_since_publish_);
  PutVarint(&out, step_count_);
  PutSignedVarint(&out, last_step_watermark_);
  PutSignedVarint(&out, next_segment_id_);
  PutVarint(&out, refits_);
  // Formerly the bootstrap's elbow table; the k table now lives with each
  // serving model (ServingModel::k_table). Kept empty for the format.
  PutBytes(&out, std::string_view());
  // Format 2: the rescoring pass (its previous model is under kPassPreviousKey).
  out.push_back(pass_.active ? 1 : 0);
  PutVarint(&out, pass_.cursor);
  PutFixed64(&out, std::bit_cast<uint64_t>(pass_.inertia));
  PutVarint(&out, pass_.visited);
  PutVarint(&out, pass_.renamed.size());
  for (int id : pass_.renamed) PutSignedVarint(&out, id);
  PutSignedVarint(&out, k_candidate_);
  return out;
}

Status SegmentEngine::DecodeEngineMeta(std::string_view data) {
  Decoder d(data);
  uint8_t format, has_training;
  std::string_view scaler, training_scaler, training, elbow;
  uint64_t n;
  if (!d.GetByte(&format)) return Status::Corruption("empty engine meta");
  if (format != 1 && format != kEngineMetaFormat) {
    return Status::NotSupported("engine meta format is newer than this build");
  }
  if (!d.GetSignedVarint(&watermark_) || !d.GetSignedVarint(&sweep_watermark_) || !d.GetBytes(&scaler) ||
      !d.GetBytes(&training_scaler) || !d.GetByte(&has_training) || !d.GetBytes(&training) || !d.GetVarint(&n)) {
    return Status::Corruption("truncated engine meta");
  }
  auto s1 = model::PopulationScaler::Deserialize(scaler);
  auto s2 = model::PopulationScaler::Deserialize(training_scaler);
  if (!s1.ok()) return s1.status();
  if (!s2.ok()) return s2.status();
  scaler_ = s1.value();
  training_scaler_ = s2.value();
  has_training_ = has_training != 0;
  if (has_training_) {
    auto t = model::MiniBatchKMeans::Deserialize(training);
    if (!t.ok()) return t.status();
    training_ = std::move(t).value();
  }
  step_buffer_.resize(n);
  for (auto& slot : step_buffer_) {
    uint64_t v;
    if (!d.GetVarint(&v)) return Status::Corruption("truncated step buffer");
    slot = static_cast<uint32_t>(v);
  }
  if (!d.GetVarint(&n)) return Status::Corruption("truncated engine meta");
  reseeded_since_publish_.resize(n);
  for (auto& r : reseeded_since_publish_) {
    uint64_t v;
    if (!d.GetVarint(&v)) return Status::Corruption("truncated reseed list");
    r = static_cast<int>(v);
  }
  int64_t next_id;
  if (!d.GetVarint(&accepted_since_step_) || !d.GetVarint(&accepted_since_publish_) ||
      !d.GetVarint(&steps_since_publish_) || !d.GetVarint(&step_count_) ||
      !d.GetSignedVarint(&last_step_watermark_) || !d.GetSignedVarint(&next_id) || !d.GetVarint(&refits_) ||
      !d.GetBytes(&elbow)) {
    return Status::Corruption("truncated engine meta");
  }
  pass_ = RescorePass();
  if (format >= 2) {
    uint8_t active;
    uint64_t cursor, inertia_bits, renamed;
    if (!d.GetByte(&active) || !d.GetVarint(&cursor) || !d.GetFixed64(&inertia_bits) ||
        !d.GetVarint(&pass_.visited) || !d.GetVarint(&renamed) || cursor > UINT32_MAX || renamed > 1u << 20) {
      return Status::Corruption("truncated engine meta (rescoring pass)");
    }
    pass_.active = active != 0;
    pass_.cursor = static_cast<uint32_t>(cursor);
    pass_.inertia = std::bit_cast<double>(inertia_bits);
    pass_.renamed.resize(renamed);
    for (int& id : pass_.renamed) {
      int64_t v;
      if (!d.GetSignedVarint(&v)) return Status::Corruption("truncated engine meta (renamed segments)");
      id = static_cast<int>(v);
    }
    int64_t k_candidate;
    if (!d.GetSignedVarint(&k_candidate)) return Status::Corruption("truncated engine meta (k candidate)");
    k_candidate_ = static_cast<int>(k_candidate);
  }
  if (!d.done()) return Status::Corruption("oversized engine meta");
  next_segment_id_ = static_cast<int>(next_id);
  (void)elbow;  // see EncodeEngineMeta
  return Status::OK();
}

}  // namespace segstream
