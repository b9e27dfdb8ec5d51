// StateQueries; see queries.h.
#include "engine/pipeline/queries.h"

#include <cmath>

#include "engine/analytics/aggregates.h"
#include "engine/event/customer_id.h"
#include "engine/partitions/partition_directory.h"
#include "engine/util/json.h"
#include "engine/util/time.h"
#include "state/record_codec.h"

namespace segstream {

StateQueries::StateQueries(StateStore* store, const SegmentEngine* engine, PipelineObserver* next)
    : store_(store), engine_(engine), next_(next) {
  committed_watermark_ = engine->watermark();
}

void StateQueries::OnBatch(const BatchReport& report) {
  committed_watermark_ = report.watermark;
  if (next_) next_->OnBatch(report);
}

void StateQueries::OnReady(bool ready) {
  ready_ = ready;
  if (next_) next_->OnReady(ready);
}

void StateQueries::OnRestore(const RestoreProgress& progress) {
  {
    std::lock_guard<std::mutex> lock(restore_mu_);
    if (progress.done) {
      restore_.reset();
    } else {
      restore_ = progress;
    }
  }
  if (next_) next_->OnRestore(progress);
}

void StateQueries::MarkLoaded() {
  committed_watermark_ = engine_->watermark();
  loaded_ = true;
}

std::optional<std::string> StateQueries::UnavailableReason() {
  if (loaded_.load()) return std::nullopt;
  std::lock_guard<std::mutex> lock(restore_mu_);
  if (!restore_) return std::string("loading the state");
  return "restoring the state from changelog topic " + restore_->topic + ": " + std::to_string(restore_->records) +
         " records applied, at most " + std::to_string(restore_->remaining) + " left";
}

Result<std::string> StateQueries::CustomerJson(std::string_view requested_id) {
  // The id as the input would store it: "91001.0" and "091002" find 91001 and 91002.
  const std::optional<std::string> canonical = CanonicalCustomerIdForLookup(requested_id);
  if (!canonical) return Status::NotFound("not a customer id the input accepts: " + std::string(requested_id));
  const std::string_view customer_id = *canonical;
  std::string key, value;
  SEGSTREAM_RETURN_IF_ERROR(FindStoredCustomer(store_, customer_id, &key, &value));  // NotFound: unknown
  CustomerRecord r;
  if (Status s = DecodeCustomer(value, &r); !s.ok()) {
    return Status::Corruption("customer " + std::string(customer_id) + ": " + s.message());
  }
  const auto model = engine_->ServingSnapshot();
  const int64_t watermark = committed_watermark_.load();
  std::string j = "{\"customer_id\":";
  AppendJsonString(&j, customer_id);
  j += ",\"recency_days\":";
  if (r.active()) {
    AppendJsonFixed(&j, r.recency_days(watermark), 6);
  } else {
    j += "null";
  }
  j += ",\"frequency\":" + std::to_string(r.frequency) + ",\"monetary\":";
  AppendMilliAsCents(&j, r.monetary_milli());
  // Classic RFM scores under the quintile boundaries of the last version.
  auto boundaries = analytics::ReadRfmBoundaries(store_);
  analytics::AppendRfmScoreJson(&j, boundaries.ok() ? boundaries.value() : analytics::RfmBoundaries{}, r);
  // Under the current version: a customer the engine has not rescored under
  // it yet (its version's rescoring pass is under way) is scored here, as the
  // pass will score it.
  if (r.active() && !model->empty() && r.scored_version != model->version) {
    const int row = ScoreRow(*model, CustomerZ(model->z, r, watermark), r.segment_id, engine_->hysteresis());
    r.segment_id = model->segments[static_cast<size_t>(row)].id;
  }
  j += ",\"segment_id\":";
  const SegmentInfo* seg = model->Find(r.segment_id);
  if (r.segment_id >= 0) {
    j += std::to_string(r.segment_id) + ",\"segment_name\":";
    AppendJsonString(&j, seg ? seg->name : "retired");
    j += ",\"action\":";
    AppendJsonString(&j, seg ? seg->action : "");
  } else {
    j += "null,\"segment_name\":null,\"action\":null";
  }
  j += ",\"model_version\":" + std::to_string(model->version) + ",\"watermark\":";
  AppendJsonString(&j, FormatIso8601(watermark));
  j += ",\"recent_changes\":[";
  std::string prefix = std::move(key);  // its changes: ChangeKey(key, seq)
  prefix.push_back('\0');
  bool first = true;
  SEGSTREAM_RETURN_IF_ERROR(store_->ScanReverse(Column::kChanges, prefix, [&](std::string_view, std::string_view v) {
    if (!first) j += ',';
    first = false;
    j.append(v);
    return true;
  }));
  j += "]}";
  return j;
}

std::string SegmentTableJson(const ServingModel& m) {
  std::string j = "{\"model_version\":" + std::to_string(m.version) + ",\"customers\":" +
                  std::to_string(m.customers) + ",\"segments\":[";
  for (int i = 0; i < m.k(); ++i) {
    const auto& s = m.segments[static_cast<size_t>(i)];
    if (i) j += ',';
    j += "{\"segment_id\":" + std::to_string(s.id) + ",\"name\":";
    AppendJsonString(&j, s.name);
    j += ",\"customers\":" + std::to_string(s.customers) + ",\"share\":";
    AppendJsonFixed(&j, m.customers ? static_cast<double>(s.customers) / static_cast<double>(m.customers) : 0.0, 4);
    const model::Vec3 logs = m.scaler.InverseTransform(m.centers.row(i).transpose());
    j += ",\"centre\":{\"recency_days\":";
    AppendJsonFixed(&j, std::expm1(logs[0]), 2);
    j += ",\"frequency\":";
    AppendJsonFixed(&j, std::expm1(logs[1]), 2);
    j += ",\"monetary\":";
    AppendJsonFixed(&j, std::expm1(logs[2]), 2);
    j += "},\"action\":";
    AppendJsonString(&j, s.action);
    j += '}';
  }
  j += "]}";
  return j;
}

std::string StateQueries::SegmentsJson() { return SegmentTableJson(*engine_->ServingSnapshot()); }

std::optional<std::string> StateQueries::ModelJson() {
  const auto model = engine_->ServingSnapshot();
  if (model->empty()) return std::nullopt;
  return ServingModelJson(*model);
}

}  // namespace segstream
