// Analytics, the durable side: the "analytics/..." meta keys (state/FORMAT.md),
// loading them and writing what changed at each commit.
#include <algorithm>

#include "engine/analytics/aggregates.h"

#include "engine/util/coding.h"

namespace segstream::analytics {
namespace {

constexpr uint8_t kFormat = 1;
constexpr std::string_view kAggregatesKey = "analytics/agg";
constexpr std::string_view kVersionPrefix = "analytics/v/";
std::string VersionKey(uint64_t version) {
  std::string k(kVersionPrefix);
  PutBigEndian64(&k, version);  // key order == version order
  return k;
}

void PutTotals(std::string* out, const Totals& t) {
  PutSignedVarint(out, t.purchases_milli);
  PutSignedVarint(out, t.returns_milli);
  PutVarint(out, t.orders);
  PutVarint(out, t.lines);
}

bool GetTotals(Decoder* d, Totals* t) {
  return d->GetSignedVarint(&t->purchases_milli) && d->GetSignedVarint(&t->returns_milli) &&
         d->GetVarint(&t->orders) && d->GetVarint(&t->lines);
}

void PutThresholds(std::string* out, const QuintileThresholds& q) {
  for (int64_t t : q.t) PutSignedVarint(out, t);
}

bool GetThresholds(Decoder* d, QuintileThresholds* q) {
  for (int64_t& t : q->t) {
    if (!d->GetSignedVarint(&t)) return false;
  }
  return true;
}

std::string EncodeVersion(const VersionRecord& v) {
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  PutVarint(&out, v.version);
  PutSignedVarint(&out, v.event_time);
  PutBytes(&out, v.trigger);
  PutVarint(&out, v.customers);
  PutDouble(&out, v.inertia);
  PutDouble(&out, v.silhouette);
  PutDouble(&out, v.max_shift);
  PutVarint(&out, v.segments.size());
  for (const auto& s : v.segments) {
    PutSignedVarint(&out, s.id);
    PutBytes(&out, s.name);
    PutVarint(&out, s.customers);
    PutDouble(&out, s.shift);
    for (double c : s.centroid) PutDouble(&out, c);
  }
  PutVarint(&out, v.transitions.size());
  for (const auto& [from_to, n] : v.transitions) {
    PutSignedVarint(&out, from_to.first);
    PutSignedVarint(&out, from_to.second);
    PutVarint(&out, n);
  }
  return out;
}

Status DecodeVersion(std::string_view data, VersionRecord* v) {
  Decoder d(data);
  uint8_t format;
  std::string_view trigger;
  uint64_t n;
  if (!d.GetByte(&format)) return Status::Corruption("empty analytics version");
  if (format != kFormat) return Status::NotSupported("analytics version format is newer than this build");
  if (!d.GetVarint(&v->version) || !d.GetSignedVarint(&v->event_time) || !d.GetBytes(&trigger) ||
      !d.GetVarint(&v->customers) || !d.GetDouble(&v->inertia) || !d.GetDouble(&v->silhouette) ||
      !d.GetDouble(&v->max_shift) || !d.GetVarint(&n)) {
    return Status::Corruption("truncated analytics version");
  }
  v->trigger = trigger;
  v->segments.resize(n);
  for (auto& s : v->segments) {
    int64_t id;
    std::string_view name;
    if (!d.GetSignedVarint(&id) || !d.GetBytes(&name) || !d.GetVarint(&s.customers) || !d.GetDouble(&s.shift)) {
      return Status::Corruption("truncated analytics version segment");
    }
    for (double& c : s.centroid) {
      if (!d.GetDouble(&c)) return Status::Corruption("truncated analytics version centroid");
    }
    s.id = static_cast<int>(id);
    s.name = name;
  }
  if (!d.GetVarint(&n)) return Status::Corruption("truncated analytics transitions");
  for (uint64_t i = 0; i < n; ++i) {
    int64_t from, to;
    uint64_t count;
    if (!d.GetSignedVarint(&from) || !d.GetSignedVarint(&to) || !d.GetVarint(&count)) {
      return Status::Corruption("truncated analytics transitions");
    }
    v->transitions[{static_cast<int>(from), static_cast<int>(to)}] = count;
  }
  if (!d.done()) return Status::Corruption("trailing bytes in analytics version");
  return Status::OK();
}

Status DecodeBoundaries(Decoder* d, RfmBoundaries* b) {
  if (!d->GetVarint(&b->model_version) || !d->GetVarint(&b->customers) || !GetThresholds(d, &b->last_purchase) ||
      !GetThresholds(d, &b->frequency) || !GetThresholds(d, &b->monetary_milli)) {
    return Status::Corruption("truncated RFM boundaries");
  }
  return Status::OK();
}

}  // namespace

std::string Analytics::EncodeAggregates() const {
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  // The boundaries come first so ReadRfmBoundaries decodes only them.
  PutVarint(&out, boundaries_.model_version);
  PutVarint(&out, boundaries_.customers);
  PutThresholds(&out, boundaries_.last_purchase);
  PutThresholds(&out, boundaries_.frequency);
  PutThresholds(&out, boundaries_.monetary_milli);
  PutVarint(&out, months_.size());
  for (const auto& [key, t] : months_) {
    PutSignedVarint(&out, key);
    PutTotals(&out, t);
  }
  PutVarint(&out, countries_.size());
  for (const auto& [name, t] : countries_) {
    PutBytes(&out, name);
    PutTotals(&out, t);
  }
  PutVarint(&out, basket_.size());
  for (const auto& [lines, n] : basket_) {
    PutVarint(&out, lines);
    PutVarint(&out, n);
  }
  PutVarint(&out, outcomes_.size());
  for (const auto& o : outcomes_) {
    PutBytes(&out, o.result);
    PutBytes(&out, o.reason);
    PutVarint(&out, o.count);
  }
  return out;
}

Status Analytics::DecodeAggregates(std::string_view data) {
  Decoder d(data);
  uint8_t format;
  if (!d.GetByte(&format)) return Status::Corruption("empty analytics aggregates");
  if (format != kFormat) return Status::NotSupported("analytics format is newer than this build");
  SEGSTREAM_RETURN_IF_ERROR(DecodeBoundaries(&d, &boundaries_));
  uint64_t n;
  const Status bad = Status::Corruption("truncated analytics aggregates");
  if (!d.GetVarint(&n)) return bad;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t key;
    Totals t;
    if (!d.GetSignedVarint(&key) || !GetTotals(&d, &t)) return bad;
    months_[static_cast<int>(key)] = t;
  }
  if (!d.GetVarint(&n)) return bad;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name;
    Totals t;
    if (!d.GetBytes(&name) || !GetTotals(&d, &t)) return bad;
    countries_[std::string(name)] = t;
  }
  if (!d.GetVarint(&n)) return bad;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t lines, count;
    if (!d.GetVarint(&lines) || !d.GetVarint(&count)) return bad;
    basket_[lines] = count;
  }
  if (!d.GetVarint(&n)) return bad;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view result, reason;
    OutcomeCount o;
    if (!d.GetBytes(&result) || !d.GetBytes(&reason) || !d.GetVarint(&o.count)) return bad;
    o.result = result;
    o.reason = reason;
    outcomes_.push_back(std::move(o));
  }
  if (!d.done()) return Status::Corruption("trailing bytes in analytics aggregates");
  return Status::OK();
}

std::vector<NamedHistogram> Analytics::Histograms() const {
  return {{'l', &last_purchase_}, {'f', &frequency_}, {'m', &monetary_}};
}

Status Analytics::Load(StateStore* store) {
  std::string value;
  SEGSTREAM_RETURN_IF_ERROR(histogram_log_.Load(store, Histograms()));
  Status s = store->Get(Column::kMeta, kAggregatesKey, &value);
  if (s.ok()) {
    SEGSTREAM_RETURN_IF_ERROR(DecodeAggregates(value));
  } else if (s.code() != Status::Code::kNotFound) {
    return s;
  }
  Status bad;
  SEGSTREAM_RETURN_IF_ERROR(store->Scan(Column::kMeta, kVersionPrefix, [&](std::string_view, std::string_view v) {
    VersionRecord rec;
    bad = DecodeVersion(v, &rec);
    if (!bad.ok()) return false;
    versions_[rec.version] = std::move(rec);
    return true;
  }));
  return bad;
}

void Analytics::BuildCommit(StateWrite* w) {
  FlushPending();
  histogram_log_.BuildCommit(Histograms(), w);
  if (aggregates_dirty_) w->Put(Column::kMeta, std::string(kAggregatesKey), EncodeAggregates());
  std::sort(dirty_versions_.begin(), dirty_versions_.end());
  dirty_versions_.erase(std::unique(dirty_versions_.begin(), dirty_versions_.end()), dirty_versions_.end());
  for (uint64_t version : dirty_versions_) {
    auto it = versions_.find(version);
    if (it != versions_.end()) w->Put(Column::kMeta, VersionKey(version), EncodeVersion(it->second));
  }
  for (uint64_t version : dropped_versions_) w->Delete(Column::kMeta, VersionKey(version));
}

void Analytics::OnCommitted() {
  histogram_log_.OnCommitted();
  aggregates_dirty_ = false;
  dirty_versions_.clear();
  dropped_versions_.clear();
}

Result<RfmBoundaries> ReadRfmBoundaries(StateStore* store) {
  RfmBoundaries b;
  std::string value;
  Status s = store->Get(Column::kMeta, kAggregatesKey, &value);
  if (s.code() == Status::Code::kNotFound) return b;
  if (!s.ok()) return s;
  Decoder d(value);
  uint8_t format;
  if (!d.GetByte(&format)) return Status::Corruption("empty analytics aggregates");
  if (format != kFormat) return Status::NotSupported("analytics format is newer than this build");
  SEGSTREAM_RETURN_IF_ERROR(DecodeBoundaries(&d, &b));
  return b;
}

}  // namespace segstream::analytics
