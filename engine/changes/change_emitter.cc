#include "engine/changes/change_emitter.h"

#include "engine/util/json.h"
#include "engine/util/time.h"
#include "state/record_codec.h"

namespace segstream {

std::string SegmentChangeJson(const SegmentChange& c) {
  std::string j;
  j.reserve(320);
  j += "{\"customer_id\":";
  AppendJsonString(&j, c.customer_id);
  j += ",\"seq\":" + std::to_string(c.seq) + ",\"segment_id\":" + std::to_string(c.segment_id);
  j += ",\"segment_name\":";
  AppendJsonString(&j, c.segment_name);
  if (c.previous_segment_id < 0) {
    j += ",\"previous_segment_id\":null,\"previous_segment_name\":null";
  } else {
    j += ",\"previous_segment_id\":" + std::to_string(c.previous_segment_id) + ",\"previous_segment_name\":";
    AppendJsonString(&j, c.previous_segment_name);
  }
  j += ",\"reason\":";
  AppendJsonString(&j, c.reason);
  j += ",\"recency_days\":";
  if (c.has_recency) {
    AppendJsonFixed(&j, c.recency_days, 6);
  } else {
    j += "null";
  }
  j += ",\"frequency\":" + std::to_string(c.frequency) + ",\"monetary\":";
  AppendMilliAsCents(&j, c.monetary_milli);
  j += ",\"model_version\":" + std::to_string(c.model_version) + ",\"event_time\":";
  AppendJsonString(&j, FormatIso8601(c.event_time));
  j += ",\"invoice\":";
  if (c.invoice.empty()) {
    j += "null";
  } else {
    AppendJsonString(&j, c.invoice);
  }
  j += '}';
  return j;
}

std::string LatestSegmentJson(std::string_view customer_id, int segment_id, std::string_view segment_name,
                              uint64_t seq, uint64_t model_version, int64_t event_time) {
  std::string j;
  j.reserve(160);
  j += "{\"customer_id\":";
  AppendJsonString(&j, customer_id);
  j += ",\"segment_id\":" + std::to_string(segment_id) + ",\"segment_name\":";
  AppendJsonString(&j, segment_name);
  j += ",\"seq\":" + std::to_string(seq) + ",\"model_version\":" + std::to_string(model_version);
  j += ",\"event_time\":";
  AppendJsonString(&j, FormatIso8601(event_time));
  j += '}';
  return j;
}

void ChangeEmitter::Emit(const SegmentChange& c, std::string_view customer_key, EngineOutputs* out) {
  std::string j = SegmentChangeJson(c);
  history_writes_.push_back({Column::kChanges, ChangeKey(customer_key, c.seq), j, false});
  if (c.seq > changes_kept_) {
    history_writes_.push_back({Column::kChanges, ChangeKey(customer_key, c.seq - changes_kept_), {}, true});
  }
  out->records.push_back({OutputStream::kSegmentChanges, std::string(c.customer_id), std::move(j)});
  EmitLatest(c.customer_id, c.segment_id, c.segment_name, c.seq, c.model_version, c.event_time, out);
  for (auto& [reason, n] : counts_) {
    if (reason == c.reason) {
      ++n;
      return;
    }
  }
  counts_.emplace_back(std::string(c.reason), 1);
}

void ChangeEmitter::EmitLatest(std::string_view customer_id, int segment_id, std::string_view segment_name,
                               uint64_t seq, uint64_t model_version, int64_t event_time, EngineOutputs* out) {
  out->records.push_back({OutputStream::kCustomerSegments, std::string(customer_id),
                          LatestSegmentJson(customer_id, segment_id, segment_name, seq, model_version, event_time)});
}

void ChangeEmitter::WriteTo(StateWrite* write) const {
  for (const StateWrite::Op& op : history_writes_) write->ops.push_back(op);
}

std::vector<std::pair<std::string, uint64_t>> ChangeEmitter::TakeCounts() {
  auto c = std::move(counts_);
  counts_.clear();
  return c;
}

}  // namespace segstream
