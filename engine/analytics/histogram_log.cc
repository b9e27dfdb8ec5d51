// HistogramLog: the checkpoint and delta keys of the population histograms
// (histogram_log.h, state/FORMAT.md).
#include "engine/analytics/histogram_log.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "engine/util/coding.h"

namespace segstream::analytics {
namespace {

constexpr uint8_t kFormat = 1;
constexpr std::string_view kCheckpointKey = "analytics/hc";
constexpr std::string_view kDeltaPrefix = "analytics/hd/";
// Format 6: "analytics/h/<l|f|m>/<8 bytes>" -> count, "analytics/hs/<l|f|m>"
// -> shift. The first range holds every bucket key ('/' < '0').
constexpr std::string_view kFormat6BucketBegin = "analytics/h/";
constexpr std::string_view kFormat6BucketEnd = "analytics/h0";
constexpr std::string_view kFormat6ShiftPrefix = "analytics/hs/";
// Deltas are kept until they outweigh the checkpoint, or this many bytes
// while the checkpoint is smaller.
constexpr uint64_t kMinDeltaBytes = 4096;

std::string DeltaKey(uint64_t n) {
  std::string k(kDeltaPrefix);
  PutBigEndian64(&k, n);
  return k;
}

// Buckets ascending: the first as a zigzag varint, the others as the varint
// gap from the one before; each followed by its varint count.
class BucketWriter {
 public:
  explicit BucketWriter(std::string* out) : out_(out) {}
  void Add(int64_t bucket, uint64_t count) {
    if (first_) {
      PutSignedVarint(out_, bucket);
      first_ = false;
    } else {
      PutVarint(out_, static_cast<uint64_t>(bucket) - static_cast<uint64_t>(previous_));
    }
    previous_ = bucket;
    PutVarint(out_, count);
  }

 private:
  std::string* out_;
  bool first_ = true;
  int64_t previous_ = 0;
};

// Reads n (bucket, count) pairs written by BucketWriter into `h` (count 0
// erases the bucket).
bool ReadBuckets(Decoder* d, uint64_t n, ValueHistogram* h) {
  int64_t bucket = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t count;
    if (i == 0) {
      if (!d->GetSignedVarint(&bucket)) return false;
    } else {
      uint64_t gap;
      // The room above `bucket` is 2^63 - 1 - bucket, in [0, 2^64 - 1]: the
      // unsigned difference is exact.
      const uint64_t room = static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(bucket);
      if (!d->GetVarint(&gap) || gap == 0 || gap > room) return false;
      bucket = static_cast<int64_t>(static_cast<uint64_t>(bucket) + gap);
    }
    if (!d->GetVarint(&count)) return false;
    h->Set(bucket, count);
  }
  return true;
}

ValueHistogram* Named(const std::vector<NamedHistogram>& hs, char name) {
  for (const NamedHistogram& h : hs) {
    if (h.name == name) return h.histogram;
  }
  return nullptr;
}

std::string EncodeCheckpoint(const std::vector<NamedHistogram>& hs) {
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  for (const NamedHistogram& h : hs) {
    out.push_back(h.name);
    PutVarint(&out, static_cast<uint64_t>(h.histogram->shift()));
    PutVarint(&out, h.histogram->counts().size());
    BucketWriter buckets(&out);
    for (const auto& [bucket, count] : h.histogram->counts()) buckets.Add(bucket, count);
  }
  return out;
}

// A checkpoint or a delta: u8 format, then per histogram u8 name, (a
// checkpoint only: varint shift), varint n, n buckets.
Status Apply(std::string_view value, bool checkpoint, const std::vector<NamedHistogram>& hs) {
  const char* what = checkpoint ? "analytics histogram checkpoint" : "analytics histogram delta";
  Decoder d(value);
  uint8_t format;
  if (!d.GetByte(&format)) return Status::Corruption(std::string("empty ") + what);
  if (format != kFormat) return Status::NotSupported(std::string(what) + " format is newer than this build");
  std::string seen;
  while (!d.done()) {
    uint8_t name;
    uint64_t shift = 0, n;
    if (!d.GetByte(&name) || (checkpoint && !d.GetVarint(&shift)) || !d.GetVarint(&n)) {
      return Status::Corruption(std::string("truncated ") + what);
    }
    ValueHistogram* h = Named(hs, static_cast<char>(name));
    if (h == nullptr || shift > 62 || seen.find(static_cast<char>(name)) != std::string::npos) {
      return Status::Corruption(std::string("bad histogram in ") + what);
    }
    seen.push_back(static_cast<char>(name));
    if (checkpoint) h->set_shift(static_cast<int>(shift));
    if (!ReadBuckets(&d, n, h)) return Status::Corruption(std::string("truncated buckets in ") + what);
  }
  return Status::OK();
}

// A format-6 key, applied to its histogram: "analytics/h/<name>/<8 bytes>"
// -> varint count, or "analytics/hs/<name>" -> varint shift.
Status ApplyFormat6(std::string_view k, std::string_view v, const std::vector<NamedHistogram>& hs) {
  Decoder d(v);
  uint64_t n;
  if (k.starts_with(kFormat6ShiftPrefix)) {
    ValueHistogram* h = k.size() == kFormat6ShiftPrefix.size() + 1 ? Named(hs, k.back()) : nullptr;
    if (h == nullptr || !d.GetVarint(&n) || n > 62) return Status::Corruption("bad analytics histogram shift");
    h->set_shift(static_cast<int>(n));
    return Status::OK();
  }
  const size_t prefix = kFormat6BucketBegin.size() + 2;  // "analytics/h/" + name + '/'
  ValueHistogram* h = k.size() == prefix + 8 && k[prefix - 1] == '/' ? Named(hs, k[prefix - 2]) : nullptr;
  if (h == nullptr || !d.GetVarint(&n)) return Status::Corruption("bad analytics histogram entry");
  h->Set(static_cast<int64_t>(GetBigEndian64(k.substr(prefix)) ^ (uint64_t{1} << 63)), n);
  return Status::OK();
}

}  // namespace

Status HistogramLog::Load(StateStore* store, const std::vector<NamedHistogram>& histograms) {
  committed_ = Position{};
  // Every key of both layouts sorts in ["analytics/h", "analytics/i"):
  // format-6 buckets ("analytics/h/..."), the checkpoint, the deltas, then
  // format-6 shifts ("analytics/hs/..."). One scan is one consistent view.
  bool format7 = false, format6 = false, any_delta = false;
  Status bad;
  SEGSTREAM_RETURN_IF_ERROR(store->ScanRange(
      Column::kMeta, "analytics/h", "analytics/i", [&](std::string_view k, std::string_view v) {
        if (k == kCheckpointKey) {
          bad = Apply(v, /*checkpoint=*/true, histograms);
          committed_.checkpoint_bytes = v.size();
          format7 = true;
        } else if (k.starts_with(kDeltaPrefix)) {
          if (k.size() != kDeltaPrefix.size() + 8) {
            bad = Status::Corruption("bad analytics histogram delta key");
            return false;
          }
          bad = Apply(v, /*checkpoint=*/false, histograms);
          const uint64_t n = GetBigEndian64(k.substr(kDeltaPrefix.size()));
          if (!any_delta) committed_.first_delta = n;
          any_delta = true;
          committed_.next_delta = n + 1;
          committed_.delta_bytes += v.size();
          format7 = true;
        } else if (k.starts_with(kFormat6BucketBegin) || k.starts_with(kFormat6ShiftPrefix)) {
          bad = ApplyFormat6(k, v, histograms);
          format6 = true;
        }
        return bad.ok();
      }));
  SEGSTREAM_RETURN_IF_ERROR(bad);
  if (format6 && format7) return Status::Corruption("analytics histograms stored in both format 6 and format 7");
  committed_.legacy = format6;
  pending_ = committed_;
  return Status::OK();
}

void HistogramLog::BuildCommit(const std::vector<NamedHistogram>& histograms, StateWrite* w) {
  pending_ = committed_;
  bool coarsened = false, changed = false;
  std::string delta;
  delta.push_back(static_cast<char>(kFormat));
  for (const NamedHistogram& h : histograms) {
    bool this_coarsened = false;
    const std::vector<int64_t> buckets = h.histogram->TakeChanges(&this_coarsened);
    coarsened |= this_coarsened;
    if (buckets.empty()) continue;
    changed = true;
    delta.push_back(h.name);
    PutVarint(&delta, buckets.size());
    BucketWriter writer(&delta);
    for (int64_t bucket : buckets) writer.Add(bucket, h.histogram->Count(bucket));
  }
  if (!changed && !coarsened && !committed_.legacy) return;
  const bool checkpoint = coarsened || committed_.legacy || deltas() + 1 > kMaxDeltas ||
                          committed_.delta_bytes + delta.size() > std::max(committed_.checkpoint_bytes, kMinDeltaBytes);
  if (!checkpoint) {
    pending_.next_delta = committed_.next_delta + 1;
    pending_.delta_bytes = committed_.delta_bytes + delta.size();
    w->Put(Column::kMeta, DeltaKey(committed_.next_delta), std::move(delta));
    return;
  }
  if (committed_.next_delta > committed_.first_delta) {
    w->DeleteRange(Column::kMeta, DeltaKey(committed_.first_delta), DeltaKey(committed_.next_delta));
  }
  if (committed_.legacy) {
    w->DeleteRange(Column::kMeta, std::string(kFormat6BucketBegin), std::string(kFormat6BucketEnd));
    for (const NamedHistogram& h : histograms) w->Delete(Column::kMeta, std::string(kFormat6ShiftPrefix) + h.name);
  }
  std::string value = EncodeCheckpoint(histograms);
  pending_ = Position{committed_.next_delta, committed_.next_delta, 0, value.size(), false};
  w->Put(Column::kMeta, std::string(kCheckpointKey), std::move(value));
}

void HistogramLog::OnCommitted() { committed_ = pending_; }

}  // namespace segstream::analytics
