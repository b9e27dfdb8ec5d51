// ServingModel scoring, encoding and JSON; see serving_model.h.
#include "engine/segment/serving_model.h"

#include <cmath>

#include "engine/model/features.h"
#include "engine/model/kmeans.h"
#include "engine/util/json.h"
#include "engine/util/time.h"
#include "state/record_codec.h"

namespace segstream {

int ServingModel::RowOf(int segment_id) const {
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].id == segment_id) return static_cast<int>(i);
  }
  return -1;
}

const SegmentInfo* ServingModel::Find(int segment_id) const {
  const int row = RowOf(segment_id);
  return row < 0 ? nullptr : &segments[static_cast<size_t>(row)];
}

model::Vec3 CustomerLogFeatures(const CustomerRecord& r, int64_t watermark) {
  return model::LogFeatures(r.recency_days(watermark), static_cast<double>(r.frequency), r.monetary());
}

model::Vec3 CustomerZ(const ZTransform& z, const CustomerRecord& r, int64_t watermark) {
  return z.Apply(CustomerLogFeatures(r, watermark));
}

int ScoreRow(const ServingModel& m, const model::Vec3& z, int current_segment_id, double margin) {
  double best_d2 = 0;
  const int best = model::Nearest(m.centers, z, &best_d2);
  const int current = m.RowOf(current_segment_id);
  if (current < 0 || current == best) return best;
  const double current_d = (m.centers.row(current).transpose() - z).norm();
  return std::sqrt(best_d2) < current_d - margin ? best : current;
}

namespace {
constexpr uint8_t kServingFormat = 1;
}

std::string EncodeServingModel(const ServingModel& m) {
  std::string out;
  out.push_back(static_cast<char>(kServingFormat));
  PutVarint(&out, m.version);
  PutSignedVarint(&out, m.event_time);
  PutBytes(&out, m.scaler.Serialize());
  PutVarint(&out, static_cast<uint64_t>(m.centers.rows()));
  for (Eigen::Index i = 0; i < m.centers.rows(); ++i) {
    for (int j = 0; j < 3; ++j) PutDouble(&out, m.centers(i, j));
    const auto& s = m.segments[static_cast<size_t>(i)];
    PutSignedVarint(&out, s.id);
    PutBytes(&out, s.name);
    PutBytes(&out, s.action);
    PutVarint(&out, s.customers);
    PutDouble(&out, s.shift);
  }
  PutVarint(&out, m.customers);
  PutDouble(&out, m.inertia);
  PutDouble(&out, m.silhouette);
  PutDouble(&out, m.max_shift);
  PutVarint(&out, m.previous_version);
  PutBytes(&out, m.trigger);
  return out;
}

Status DecodeServingModel(std::string_view data, ServingModel* m) {
  Decoder d(data);
  uint8_t format;
  if (!d.GetByte(&format) || format != kServingFormat) return Status::NotSupported("unknown serving model format");
  std::string_view scaler_blob;
  uint64_t k;
  if (!d.GetVarint(&m->version) || !d.GetSignedVarint(&m->event_time) || !d.GetBytes(&scaler_blob) ||
      !d.GetVarint(&k) || k > 1000) {
    return Status::Corruption("truncated serving model");
  }
  auto scaler = model::PopulationScaler::Deserialize(scaler_blob);
  if (!scaler.ok()) return scaler.status();
  m->scaler = scaler.value();
  m->z = ZTransform::Of(m->scaler);
  m->centers.resize(static_cast<Eigen::Index>(k), 3);
  m->segments.assign(k, SegmentInfo{});
  for (uint64_t i = 0; i < k; ++i) {
    for (int j = 0; j < 3; ++j) {
      if (!d.GetDouble(&m->centers(static_cast<Eigen::Index>(i), j))) return Status::Corruption("truncated centre");
    }
    auto& s = m->segments[i];
    int64_t id;
    std::string_view name, action;
    if (!d.GetSignedVarint(&id) || !d.GetBytes(&name) || !d.GetBytes(&action) || !d.GetVarint(&s.customers) ||
        !d.GetDouble(&s.shift)) {
      return Status::Corruption("truncated segment");
    }
    s.id = static_cast<int>(id);
    s.name = name;
    s.action = action;
  }
  std::string_view trigger;
  if (!d.GetVarint(&m->customers) || !d.GetDouble(&m->inertia) || !d.GetDouble(&m->silhouette) ||
      !d.GetDouble(&m->max_shift) || !d.GetVarint(&m->previous_version) || !d.GetBytes(&trigger) || !d.done()) {
    return Status::Corruption("truncated serving model trailer");
  }
  m->trigger = trigger;
  return Status::OK();
}

std::string ServingModelJson(const ServingModel& m) {
  std::string o;
  o.reserve(1024);
  o += "{\"model_version\":" + std::to_string(m.version) + ",\"k\":" + std::to_string(m.k());
  o += ",\"event_time\":";
  AppendJsonString(&o, FormatIso8601(m.event_time));
  o += ",\"customers\":" + std::to_string(m.customers) + ",\"inertia\":";
  AppendJsonFixed(&o, m.inertia, 4);
  o += ",\"silhouette\":";
  AppendJsonFixed(&o, m.silhouette, 4);
  o += ",\"trigger\":";
  AppendJsonString(&o, m.trigger);
  const model::Vec3 mean = m.scaler.Mean(), sd = m.scaler.Std();
  o += ",\"scaler\":{\"features\":[\"log1p_recency_days\",\"log1p_frequency\",\"log1p_monetary\"],\"mean\":[";
  for (int j = 0; j < 3; ++j) {
    if (j) o += ',';
    AppendJsonFixed(&o, mean[j], 6);
  }
  o += "],\"std\":[";
  for (int j = 0; j < 3; ++j) {
    if (j) o += ',';
    AppendJsonFixed(&o, sd[j], 6);
  }
  o += "]},\"segments\":[";
  for (int i = 0; i < m.k(); ++i) {
    const auto& s = m.segments[static_cast<size_t>(i)];
    if (i) o += ',';
    o += "{\"segment_id\":" + std::to_string(s.id) + ",\"name\":";
    AppendJsonString(&o, s.name);
    o += ",\"action\":";
    AppendJsonString(&o, s.action);
    o += ",\"centroid\":[";
    for (int j = 0; j < 3; ++j) {
      if (j) o += ',';
      AppendJsonFixed(&o, m.centers(i, j), 6);
    }
    const model::Vec3 logs = m.scaler.InverseTransform(m.centers.row(i).transpose());
    o += "],\"rfm\":{\"recency_days\":";
    AppendJsonFixed(&o, std::expm1(logs[0]), 2);
    o += ",\"frequency\":";
    AppendJsonFixed(&o, std::expm1(logs[1]), 2);
    o += ",\"monetary\":";
    AppendJsonFixed(&o, std::expm1(logs[2]), 2);
    o += "},\"customers\":" + std::to_string(s.customers) + ",\"shift\":";
    AppendJsonFixed(&o, s.shift, 6);
    o += '}';
  }
  o += "]";
  if (m.previous_version != 0) o += ",\"previous_version\":" + std::to_string(m.previous_version);
  o += ",\"drift\":{\"max_centroid_shift\":";
  AppendJsonFixed(&o, m.max_shift, 6);
  o += "}}";
  return o;
}

}  // namespace segstream
