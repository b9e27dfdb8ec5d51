// SegmentEngine, the durable side: loading from the store, building the
// per-batch WriteBatch (state + positions + sink offsets), and the encoding
// of the engine's own meta record (documented in state/FORMAT.md).
#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>

#include "engine/pipeline/segment_engine.h"
#include "state/record_codec.h"

namespace segstream {
namespace {

// 1: without the rescoring pass (read as "no pass under way").
// 2: with the rescoring pass. 3: the step buffer names customer indices, and
// the population counts follow (customers, active, segment sizes). 4: the
// pass cursor is a customer id. 5 (state format 6): the cursor is a customer
// key, indices carry the partition, and the customer count moved to the
// partition counts (PartitionDirectory).
constexpr uint8_t kEngineMetaFormat = 5;
constexpr const char* kEngineKey = "engine";
constexpr const char* kServingKey = "model/serving";
constexpr const char* kPassPreviousKey = "model/pass_previous";

std::string PositionPrefix(const std::string& source_id) { return "pos/" + source_id + "/"; }

std::string PositionKey(const std::string& source_id, int32_t partition) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010d", partition);
  return PositionPrefix(source_id) + buf;
}

}  // namespace

Status SegmentEngine::Load() {
  // Customers stay in the store: the population counts are in the engine
  // meta and the partition counts, the histograms in the analytics keys, and customers are read as
  // events, timers, samples and passes need them.
  SEGSTREAM_RETURN_IF_ERROR(analytics_.Load(store_));  // analytics hook
  SEGSTREAM_RETURN_IF_ERROR(partitions_.Load(store_));

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
  // After the engine meta: a cached vector needs the sweep watermark.
  read_error_ = Status::OK();
  PrefetchIndexList(loaded_step_indices_);
  for (uint64_t index : loaded_step_indices_) {
    const uint32_t slot = SlotOfIndex(index);
    if (slot == UINT32_MAX) return Status::Corruption("step buffer names an unknown customer");
    cache_.at(slot).in_step = true;
    cache_.at(slot).timer_dirty = true;
    step_buffer_.push_back(slot);
  }
  loaded_step_indices_.clear();
  SEGSTREAM_RETURN_IF_ERROR(read_error_);
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
  SEGSTREAM_RETURN_IF_ERROR(store_->Scan(Column::kMeta, kSinkOffsetPrefix, [&](std::string_view key, std::string_view value) {
    Decoder d(value);
    uint64_t v;
    if (!d.GetVarint(&v)) {
      bad = Status::Corruption("bad stored sink offset " + std::string(key));
      return false;
    }
    offsets[std::string(key.substr(kSinkOffsetPrefix.size()))] = static_cast<int64_t>(v);
    return true;
  }));
  if (!bad.ok()) return bad;
  return offsets;
}

void SegmentEngine::BuildCommit(const std::string& source_id, const std::vector<Position>& positions,
                                const SinkOffsets& sink_offsets, StateWrite* w) {
  for (uint32_t slot : dirty_slots_) {
    const CachedCustomer& s = cache_.at(slot);
    w->Put(Column::kCustomers, s.key, EncodeCustomer(s.rec, &s.history));
    if (s.created) w->Put(Column::kCustomerIndex, CustomerIndexKey(s.rec.index), s.key);
  }
  partitions_.WriteTo(w);
  // Timers: a new version's range delete first, then this batch's sets.
  timers_.WriteTo(w);
  invoices_.WriteTo(w);
  changes_.WriteTo(w);
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
  PutSinkOffsets(sink_offsets, w);
}

void SegmentEngine::PutSinkOffsets(const SinkOffsets& sink_offsets, StateWrite* w) {
  for (const auto& [name, offset] : sink_offsets) w->Put(Column::kMeta, SinkOffsetKey(name), EncodeSinkOffset(offset));
}

void SegmentEngine::OnCommitted() {
  for (uint32_t slot : dirty_slots_) {
    cache_.at(slot).dirty = false;
    cache_.at(slot).created = false;
  }
  dirty_slots_.clear();
  timers_.OnCommitted();
  partitions_.OnCommitted();
  invoices_.OnCommitted();
  changes_.OnCommitted();
  published_since_commit_ = false;
  pass_previous_dirty_ = false;
  analytics_.OnCommitted();  // analytics hook
  evict_blocked_ = false;
  EvictIfOver();
}

std::string SegmentEngine::EncodeEngineMeta() const {
  std::string out;
  out.push_back(static_cast<char>(kEngineMetaFormat));
  PutSignedVarint(&out, watermark_);
  PutSignedVarint(&out, statistics_.sync_watermark());
  PutBytes(&out, statistics_.scaler().Serialize());
  const ModelTrainer::State& trainer = trainer_.state();
  PutBytes(&out, trainer.scaler.Serialize());
  out.push_back(trainer.has_training ? 1 : 0);
  PutBytes(&out, trainer.has_training ? trainer.training.Serialize() : std::string());
  PutVarint(&out, step_buffer_.size());
  for (uint32_t slot : step_buffer_) PutVarint(&out, cache_.at(slot).rec.index);
  PutVarint(&out, trainer.reseeded.size());
  for (int r : trainer.reseeded) PutVarint(&out, static_cast<uint64_t>(r));
  PutVarint(&out, accepted_since_step_);
  PutVarint(&out, accepted_since_publish_);
  PutVarint(&out, steps_since_publish_);
  PutVarint(&out, step_count_);
  PutSignedVarint(&out, last_step_watermark_);
  PutSignedVarint(&out, next_segment_id_);
  PutVarint(&out, trainer.refits);
  // Formerly the bootstrap's elbow table; the k table now lives with each
  // serving model (ServingModel::k_table). Kept empty for the format.
  PutBytes(&out, std::string_view());
  // Format 2: the rescoring pass (its previous model is under kPassPreviousKey).
  out.push_back(pass_.active ? 1 : 0);
  PutBytes(&out, pass_.cursor);  // format 5: a customer key (4: an id; 3: an index)
  PutFixed64(&out, std::bit_cast<uint64_t>(pass_.inertia));
  PutVarint(&out, pass_.visited);
  PutVarint(&out, pass_.renamed.size());
  for (int id : pass_.renamed) PutSignedVarint(&out, id);
  PutSignedVarint(&out, trainer.k_candidate);
  // Format 3: the population counts (format 5: without the customer count).
  PutVarint(&out, active_);
  PutVarint(&out, segment_sizes_.size());
  for (const auto& [id, n] : segment_sizes_) {
    PutSignedVarint(&out, id);
    PutVarint(&out, n);
  }
  return out;
}

Status SegmentEngine::DecodeEngineMeta(std::string_view data) {
  Decoder d(data);
  uint8_t format, has_training;
  std::string_view scaler, training_scaler, training, elbow;
  uint64_t n;
  if (!d.GetByte(&format)) return Status::Corruption("empty engine meta");
  if (format != kEngineMetaFormat) {
    return format > kEngineMetaFormat ? Status::NotSupported("engine meta format is newer than this build")
                                      : Status::NotSupported("engine meta format " + std::to_string(format) +
                                                             " is from an older build; replay the input into a new --state directory");
  }
  int64_t sync_watermark;
  if (!d.GetSignedVarint(&watermark_) || !d.GetSignedVarint(&sync_watermark) || !d.GetBytes(&scaler) ||
      !d.GetBytes(&training_scaler) || !d.GetByte(&has_training) || !d.GetBytes(&training) || !d.GetVarint(&n)) {
    return Status::Corruption("truncated engine meta");
  }
  auto s1 = model::PopulationScaler::Deserialize(scaler);
  auto s2 = model::PopulationScaler::Deserialize(training_scaler);
  if (!s1.ok()) return s1.status();
  if (!s2.ok()) return s2.status();
  statistics_.Restore(s1.value(), sync_watermark);
  ModelTrainer::State trainer;
  trainer.scaler = s2.value();
  trainer.has_training = has_training != 0;
  if (trainer.has_training) {
    auto t = model::MiniBatchKMeans::Deserialize(training);
    if (!t.ok()) return t.status();
    trainer.training = std::move(t).value();
  }
  if (n > data.size()) return Status::Corruption("bad step buffer");
  loaded_step_indices_.resize(n);
  for (auto& index : loaded_step_indices_) {
    if (!d.GetVarint(&index)) return Status::Corruption("truncated step buffer");
  }
  if (!d.GetVarint(&n)) return Status::Corruption("truncated engine meta");
  if (n > data.size()) return Status::Corruption("bad reseed list");
  trainer.reseeded.resize(n);
  for (auto& r : trainer.reseeded) {
    uint64_t v;
    if (!d.GetVarint(&v)) return Status::Corruption("truncated reseed list");
    r = static_cast<int>(v);
  }
  int64_t next_id;
  if (!d.GetVarint(&accepted_since_step_) || !d.GetVarint(&accepted_since_publish_) ||
      !d.GetVarint(&steps_since_publish_) || !d.GetVarint(&step_count_) ||
      !d.GetSignedVarint(&last_step_watermark_) || !d.GetSignedVarint(&next_id) || !d.GetVarint(&trainer.refits) ||
      !d.GetBytes(&elbow)) {
    return Status::Corruption("truncated engine meta");
  }
  pass_ = RescorePass();
  if (format >= 2) {
    uint8_t active;
    uint64_t inertia_bits, renamed;
    std::string_view cursor;
    if (!d.GetByte(&active) || !d.GetBytes(&cursor) || !d.GetFixed64(&inertia_bits) ||
        !d.GetVarint(&pass_.visited) || !d.GetVarint(&renamed) || renamed > 1u << 20) {
      return Status::Corruption("truncated engine meta (rescoring pass)");
    }
    pass_.active = active != 0;
    pass_.cursor = std::string(cursor);
    pass_.inertia = std::bit_cast<double>(inertia_bits);
    pass_.renamed.resize(renamed);
    for (int& id : pass_.renamed) {
      int64_t v;
      if (!d.GetSignedVarint(&v)) return Status::Corruption("truncated engine meta (renamed segments)");
      id = static_cast<int>(v);
    }
    int64_t k_candidate;
    if (!d.GetSignedVarint(&k_candidate)) return Status::Corruption("truncated engine meta (k candidate)");
    trainer.k_candidate = static_cast<int>(k_candidate);
  }
  uint64_t segments = 0;
  if (!d.GetVarint(&active_) || !d.GetVarint(&segments) || segments > 1u << 20) {
    return Status::Corruption("truncated engine meta (population counts)");
  }
  segment_sizes_.clear();
  for (uint64_t i = 0; i < segments; ++i) {
    int64_t id;
    uint64_t n;
    if (!d.GetSignedVarint(&id) || !d.GetVarint(&n)) return Status::Corruption("truncated engine meta (segment sizes)");
    segment_sizes_.emplace_back(static_cast<int>(id), n);
  }
  if (!d.done()) return Status::Corruption("oversized engine meta");
  next_segment_id_ = static_cast<int>(next_id);
  trainer_.Restore(std::move(trainer));
  (void)elbow;  // see EncodeEngineMeta
  return Status::OK();
}

}  // namespace segstream
