// ChangeEmitter: what a customer's segment change becomes. Each change is
// a segment-changes record (docs/outputs.md: customer_id, seq, segment and
// previous segment, reason, RFM, model_version, event_time, invoice), the
// customer's latest-segment record (the compacted customer-segments
// stream), and an entry of the customer's recent-changes history in the
// store's changes column family (ChangeKey(customer key, seq)), of which the
// last `changes_kept` are kept: the one that falls out is deleted in the
// same commit. Changes are counted by reason for the metrics.
//
// The engine decides when a customer changes and with which seq; this
// component only encodes and records it. Reads nothing: the store writes
// go into the micro-batch's StateWrite (WriteTo) and are forgotten once
// committed (OnCommitted).
// Not thread-safe: the pipeline thread owns it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/event/sink.h"
#include "state/state_store.h"

namespace segstream {

// One segment change as published. Times are Unix seconds, money in
// thousandths of the currency unit, recency in days.
struct SegmentChange {
  std::string_view customer_id;
  uint64_t seq = 0;  // 1, 2, ... per customer
  int segment_id = -1;
  std::string_view segment_name;
  int previous_segment_id = -1;            // -1: none (previous_segment_name is then ignored)
  std::string_view previous_segment_name;  // "retired" when the previous model's segment is gone
  std::string_view reason;                 // purchase, return, recency, model, k_change, retraction, ...
  bool has_recency = false;                // false: no purchase left (a retraction); recency is null
  double recency_days = 0;
  int64_t frequency = 0;
  int64_t monetary_milli = 0;
  uint64_t model_version = 0;
  int64_t event_time = 0;
  std::string_view invoice;  // empty: null (recency and model changes)
};

// The segment-changes record of `c` (one JSON object, fields in the order above).
std::string SegmentChangeJson(const SegmentChange& c);
// The customer-segments record: the customer's latest segment.
std::string LatestSegmentJson(std::string_view customer_id, int segment_id, std::string_view segment_name,
                              uint64_t seq, uint64_t model_version, int64_t event_time);

class ChangeEmitter {
 public:
  explicit ChangeEmitter(uint64_t changes_kept) : changes_kept_(changes_kept) {}
  ChangeEmitter(const ChangeEmitter&) = delete;
  ChangeEmitter& operator=(const ChangeEmitter&) = delete;

  // Appends the change's two records to `out` and records it in the
  // history of the customer whose state key is `customer_key` (a CustomerKey,
  // engine/rfm/customer_key.h).
  void Emit(const SegmentChange& c, std::string_view customer_key, EngineOutputs* out);
  // Appends only a latest-segment record (a version's rescoring pass that
  // keeps the customer's segment but moves the model version).
  void EmitLatest(std::string_view customer_id, int segment_id, std::string_view segment_name, uint64_t seq,
                  uint64_t model_version, int64_t event_time, EngineOutputs* out);

  void WriteTo(StateWrite* write) const;
  void OnCommitted() { history_writes_.clear(); }
  // Changes by reason since the last call.
  std::vector<std::pair<std::string, uint64_t>> TakeCounts();

 private:
  uint64_t changes_kept_;
  std::vector<StateWrite::Op> history_writes_;  // the changes column's writes of this micro-batch
  std::vector<std::pair<std::string, uint64_t>> counts_;  // by reason (few: a linear scan)
};

}  // namespace segstream
