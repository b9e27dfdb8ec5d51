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
// 1: up to the trigger; 2: + k_requested, k_note, k_table, lineage.
constexpr uint8_t kServingFormat = 2;
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
  PutSignedVarint(&out, m.k_requested);
  PutBytes(&out, m.k_note);
  PutVarint(&out, m.k_table_sample);
  PutVarint(&out, m.k_table.size());
  for (const auto& row : m.k_table) {
    PutSignedVarint(&out, row.k);
    PutDouble(&out, row.inertia);
    PutDouble(&out, row.silhouette);
  }
  PutVarint(&out, m.lineage.size());
  for (const auto& l : m.lineage) {
    PutSignedVarint(&out, l.segment_id);
    PutVarint(&out, l.from.size());
    for (const auto& [id, share] : l.from) {
      PutSignedVarint(&out, id);
      PutDouble(&out, share);
    }
  }
  return out;
}

Status DecodeServingModel(std::string_view data, ServingModel* m) {
  Decoder d(data);
  uint8_t format;
  if (!d.GetByte(&format) || format < 1 || format > kServingFormat) {
    return Status::NotSupported("unknown serving model format");
  }
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
      !d.GetDouble(&m->max_shift) || !d.GetVarint(&m->previous_version) || !d.GetBytes(&trigger)) {
    return Status::Corruption("truncated serving model trailer");
  }
  m->trigger = trigger;
  m->k_requested = 0;
  m->k_note.clear();
  m->k_table.clear();
  m->k_table_sample = 0;
  m->lineage.clear();
  if (format >= 2) {
    int64_t k_requested;
    std::string_view note;
    uint64_t rows;
    if (!d.GetSignedVarint(&k_requested) || !d.GetBytes(&note) || !d.GetVarint(&m->k_table_sample) ||
        !d.GetVarint(&rows) || rows > 1000) {
      return Status::Corruption("truncated serving model k selection");
    }
    m->k_requested = static_cast<int>(k_requested);
    m->k_note = note;
    for (uint64_t i = 0; i < rows; ++i) {
      int64_t rk;
      model::KScore row{};
      if (!d.GetSignedVarint(&rk) || !d.GetDouble(&row.inertia) || !d.GetDouble(&row.silhouette)) {
        return Status::Corruption("truncated k table");
      }
      row.k = static_cast<int>(rk);
      m->k_table.push_back(row);
    }
    uint64_t entries;
    if (!d.GetVarint(&entries) || entries > 1000) return Status::Corruption("truncated lineage");
    for (uint64_t i = 0; i < entries; ++i) {
      SegmentLineage l;
      int64_t id;
      uint64_t n;
      if (!d.GetSignedVarint(&id) || !d.GetVarint(&n) || n > 1000) return Status::Corruption("truncated lineage");
      l.segment_id = static_cast<int>(id);
      for (uint64_t j = 0; j < n; ++j) {
        int64_t from_id;
        double share;
        if (!d.GetSignedVarint(&from_id) || !d.GetDouble(&share)) return Status::Corruption("truncated lineage");
        l.from.emplace_back(static_cast<int>(from_id), share);
      }
      m->lineage.push_back(std::move(l));
    }
  }
  if (!d.done()) return Status::Corruption("trailing bytes after the serving model");
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
  AppendJsonFixed(&o, m.silhouette, 4);  // null when undefined (k = 1)
  o += ",\"trigger\":";
  AppendJsonString(&o, m.trigger);
  o += ",\"k_requested\":";
  if (m.k_requested > 0) {
    o += std::to_string(m.k_requested);
  } else {
    o += "\"auto\"";
  }
  if (!m.k_note.empty()) {
    o += ",\"k_note\":";
    AppendJsonString(&o, m.k_note);
  }
  if (!m.k_table.empty()) {
    o += ",\"k_selection\":{\"customers_sampled\":" + std::to_string(m.k_table_sample) + ",\"table\":[";
    for (size_t i = 0; i < m.k_table.size(); ++i) {
      if (i) o += ',';
      o += "{\"k\":" + std::to_string(m.k_table[i].k) + ",\"inertia\":";
      AppendJsonFixed(&o, m.k_table[i].inertia, 4);
      o += ",\"silhouette\":";
      AppendJsonFixed(&o, m.k_table[i].silhouette, 4);
      o += '}';
    }
    o += "],\"chosen\":" + std::to_string(m.k()) + "}";
  }
  if (!m.lineage.empty()) {
    o += ",\"lineage\":[";
    for (size_t i = 0; i < m.lineage.size(); ++i) {
      if (i) o += ',';
      o += "{\"segment_id\":" + std::to_string(m.lineage[i].segment_id) + ",\"from\":[";
      for (size_t j = 0; j < m.lineage[i].from.size(); ++j) {
        if (j) o += ',';
        o += "{\"segment_id\":" + std::to_string(m.lineage[i].from[j].first) + ",\"share\":";
        AppendJsonFixed(&o, m.lineage[i].from[j].second, 4);
        o += '}';
      }
      o += "]}";
    }
    o += ']';
  }
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
