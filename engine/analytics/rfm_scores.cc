// Classic RFM quintile scores; see rfm_scores.h.
#include "engine/analytics/rfm_scores.h"

#include <algorithm>

namespace segstream::analytics {

void ValueHistogram::Add(int64_t value) {
  const int64_t bucket = BucketOf(value);
  ++counts_[bucket];
  ++total_;
  Changed(bucket);
  if (counts_.size() > max_buckets_) Coarsen();
}

void ValueHistogram::Remove(int64_t value) {
  const int64_t bucket = BucketOf(value);
  auto it = counts_.find(bucket);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
  --total_;
  Changed(bucket);
}

void ValueHistogram::Set(int64_t bucket, uint64_t count) {
  auto it = counts_.find(bucket);
  if (it != counts_.end()) {
    total_ -= it->second;
    counts_.erase(it);
  }
  if (count > 0) {
    counts_[bucket] = count;
    total_ += count;
  }
}

uint64_t ValueHistogram::Count(int64_t value) const {
  auto it = counts_.find(BucketOf(value));
  return it == counts_.end() ? 0 : it->second;
}

uint64_t ValueHistogram::CountLess(int64_t value) const {
  const int64_t bucket = BucketOf(value);
  uint64_t n = 0;
  for (auto it = counts_.begin(); it != counts_.end() && it->first < bucket; ++it) n += it->second;
  return n;
}

void ValueHistogram::Coarsen() {
  while (counts_.size() > max_buckets_ / 2 && shift_ < 62) {
    ++shift_;
    Counts merged;
    for (const auto& [bucket, n] : counts_) merged[BucketOf(bucket)] += n;
    counts_ = std::move(merged);
  }
  coarsened_ = true;
  changed_.clear();
}

std::vector<int64_t> ValueHistogram::TakeChanges(bool* coarsened) {
  *coarsened = coarsened_;
  coarsened_ = false;
  std::vector<int64_t> out;
  out.swap(changed_);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

int QuintileThresholds::Score(int64_t value) const {
  int s = 1;
  for (int64_t x : t) {
    if (x != kNone && value >= x) ++s;
  }
  return s;
}

QuintileThresholds QuintileThresholds::Of(const ValueHistogram& h) {
  QuintileThresholds q;
  const uint64_t n = h.total();
  if (n == 0) return q;
  // less = #{values < v} for each distinct v in increasing order; t[s-1] is
  // the first v with 5 * less >= s * n.
  uint64_t less = 0;
  int next = 1;
  for (const auto& [value, count] : h.counts()) {
    while (next <= 4 && 5 * less >= static_cast<uint64_t>(next) * n) {
      q.t[static_cast<size_t>(next - 1)] = value;
      ++next;
    }
    if (next > 4) break;
    less += count;
  }
  return q;
}

std::string RfmScore::Code() const {
  if (!valid()) return "";
  return std::string{static_cast<char>('0' + r), static_cast<char>('0' + f), static_cast<char>('0' + m)};
}

RfmScore ScoreOf(const RfmBoundaries& b, int64_t last_purchase_ts, int64_t frequency, int64_t monetary_milli) {
  RfmScore s;
  if (b.empty() || frequency <= 0) return s;
  s.r = b.last_purchase.Score(last_purchase_ts);
  s.f = b.frequency.Score(frequency);
  s.m = b.monetary_milli.Score(monetary_milli);
  return s;
}

std::string_view RfmSegmentName(int r, int f) {
  if (r < 1 || r > 5 || f < 1 || f > 5) return "";
  if (r == 5) return f == 1 ? "new customers" : f <= 3 ? "potential loyalists" : "champions";
  if (r == 4) return f == 1 ? "promising" : f <= 3 ? "potential loyalists" : "loyal";
  if (r == 3) return f <= 2 ? "about to sleep" : f == 3 ? "need attention" : "loyal";
  return f <= 2 ? "hibernating" : f <= 4 ? "at risk" : "cannot lose them";
}

}  // namespace segstream::analytics
