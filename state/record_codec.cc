// Record encodings; see record_codec.h and FORMAT.md.
#include "state/record_codec.h"


namespace segstream {
namespace {
// Customer: 1 = without scored_version (read as 0); 2 = without the line-time
// history (read as unknown); 3 = with it; 4 = with the recency timer
// (timer_due, timer_version) and a byte saying whether the history follows.
constexpr uint8_t kCustomerFormat2 = 2;
constexpr uint8_t kCustomerFormat3 = 3;
constexpr uint8_t kCustomerFormat = 4;
// Invoice: 1 = without written_watermark (read as kNoTime); 2 = without
// purchase_lines (read as -1, unknown); 3 = with it.
constexpr uint8_t kInvoiceFormat2 = 2;
constexpr uint8_t kInvoiceFormat = 3;
}  // namespace

std::string EncodeCustomer(const CustomerRecord& r, const CustomerHistory* history) {
  const bool with_history = history != nullptr && history->known;
  std::string out;
  out.reserve(48 + (with_history ? 6 * history->times.size() : 0));
  out.push_back(static_cast<char>(kCustomerFormat));
  PutVarint(&out, r.index);
  PutSignedVarint(&out, r.frequency);
  PutSignedVarint(&out, r.purchases_milli);
  PutSignedVarint(&out, r.returns_milli);
  PutSignedVarint(&out, r.first_purchase_ts);
  PutSignedVarint(&out, r.last_purchase_ts);
  PutSignedVarint(&out, r.last_event_ts);
  PutSignedVarint(&out, r.vector_watermark);
  PutSignedVarint(&out, r.scored_watermark);
  PutSignedVarint(&out, r.segment_id);
  PutVarint(&out, r.seq);
  PutVarint(&out, r.scored_version);
  PutSignedVarint(&out, r.timer_due);
  PutVarint(&out, r.timer_version);
  out.push_back(with_history ? 1 : 0);
  if (with_history) {
    PutVarint(&out, history->times.size());
    int64_t previous = 0;
    for (const LineTimes& l : history->times) {
      PutSignedVarint(&out, l.ts - previous);  // the first absolute, then deltas (> 0)
      previous = l.ts;
      PutVarint(&out, l.purchases);
      PutVarint(&out, l.returns);
    }
  }
  return out;
}

Status DecodeCustomer(std::string_view data, CustomerRecord* r, CustomerHistory* history) {
  Decoder d(data);
  uint8_t format;
  if (!d.GetByte(&format)) return Status::Corruption("empty customer record");
  if (format < 1 || format > kCustomerFormat) {
    return Status::NotSupported("customer record format " + std::to_string(format) + " is newer than this build");
  }
  int64_t segment = 0;
  if (!d.GetVarint(&r->index) || !d.GetSignedVarint(&r->frequency) || !d.GetSignedVarint(&r->purchases_milli) ||
      !d.GetSignedVarint(&r->returns_milli) || !d.GetSignedVarint(&r->first_purchase_ts) ||
      !d.GetSignedVarint(&r->last_purchase_ts) || !d.GetSignedVarint(&r->last_event_ts) ||
      !d.GetSignedVarint(&r->vector_watermark) || !d.GetSignedVarint(&r->scored_watermark) ||
      !d.GetSignedVarint(&segment) || !d.GetVarint(&r->seq)) {
    return Status::Corruption("truncated or oversized customer record");
  }
  r->scored_version = 0;
  if (format >= kCustomerFormat2 && !d.GetVarint(&r->scored_version)) {
    return Status::Corruption("truncated or oversized customer record");
  }
  r->timer_due = kNoTime;
  r->timer_version = 0;
  uint8_t with_history = format == kCustomerFormat3 ? 1 : 0;
  if (format >= kCustomerFormat &&
      (!d.GetSignedVarint(&r->timer_due) || !d.GetVarint(&r->timer_version) || !d.GetByte(&with_history) ||
       with_history > 1)) {
    return Status::Corruption("truncated or oversized customer record");
  }
  CustomerHistory scratch;
  CustomerHistory* h = history != nullptr ? history : &scratch;
  h->times.clear();
  h->known = with_history != 0;
  if (h->known) {
    uint64_t n = 0;
    if (!d.GetVarint(&n) || n > data.size() / 3) return Status::Corruption("bad customer line-time history");
    h->times.resize(n);
    int64_t previous = 0;
    for (size_t i = 0; i < n; ++i) {
      int64_t delta = 0;
      uint64_t purchases = 0, returns = 0;
      if (!d.GetSignedVarint(&delta) || !d.GetVarint(&purchases) || !d.GetVarint(&returns) ||
          (i > 0 && delta <= 0) || purchases > UINT32_MAX || returns > UINT32_MAX || purchases + returns == 0 ||
          __builtin_add_overflow(previous, delta, &previous)) {
        return Status::Corruption("bad customer line-time history");
      }
      h->times[i] = LineTimes{previous, static_cast<uint32_t>(purchases), static_cast<uint32_t>(returns)};
    }
  }
  if (!d.done()) return Status::Corruption("truncated or oversized customer record");
  r->segment_id = static_cast<int32_t>(segment);
  return Status::OK();
}

std::string EncodeInvoice(const InvoiceRecord& r) {
  std::string out;
  out.reserve(2 + 8 * r.line_fingerprints.size() + 4);
  out.push_back(static_cast<char>(kInvoiceFormat));
  out.push_back(r.purchase_counted ? 1 : 0);
  PutFixed64(&out, static_cast<uint64_t>(r.written_watermark));  // fixed: the compaction filter reads it in place
  PutVarint(&out, r.line_fingerprints.size());
  for (uint64_t f : r.line_fingerprints) PutFixed64(&out, f);
  PutSignedVarint(&out, r.purchase_lines);
  return out;
}

Status DecodeInvoice(std::string_view data, InvoiceRecord* r) {
  Decoder d(data);
  uint8_t format, counted;
  uint64_t n;
  if (!d.GetByte(&format)) return Status::Corruption("empty invoice record");
  if (format != 1 && format != kInvoiceFormat2 && format != kInvoiceFormat) {
    return Status::NotSupported("invoice record format is newer than this build");
  }
  uint64_t written = static_cast<uint64_t>(kNoTime);
  if (!d.GetByte(&counted) || (format >= kInvoiceFormat2 && !d.GetFixed64(&written)) || !d.GetVarint(&n) ||
      n > data.size() / 8) {
    return Status::Corruption("bad invoice record");
  }
  r->purchase_counted = counted != 0;
  r->written_watermark = static_cast<int64_t>(written);
  r->line_fingerprints.resize(n);
  for (auto& f : r->line_fingerprints) {
    if (!d.GetFixed64(&f)) return Status::Corruption("truncated invoice record");
  }
  r->purchase_lines = -1;
  if (format == kInvoiceFormat && (!d.GetSignedVarint(&r->purchase_lines) || r->purchase_lines < -1 ||
                                   static_cast<uint64_t>(r->purchase_lines) > n)) {
    return Status::Corruption("bad invoice record");
  }
  return d.done() ? Status::OK() : Status::Corruption("oversized invoice record");
}

int64_t InvoiceWrittenWatermark(std::string_view data) {
  const uint8_t format = data.empty() ? 0 : static_cast<uint8_t>(data[0]);
  if (data.size() < 10 || (format != kInvoiceFormat2 && format != kInvoiceFormat)) {
    return kNoTime;
  }
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(data[2 + i]);  // PutFixed64: little-endian
  return static_cast<int64_t>(v);
}

std::string InvoiceKey(std::string_view customer_key, std::string_view invoice) {
  std::string k;
  k.reserve(customer_key.size() + 1 + invoice.size());
  k.append(customer_key);
  k.push_back('\0');
  k.append(invoice);
  return k;
}

std::string SinkOffsetKey(std::string_view name) {
  std::string k(kSinkOffsetPrefix);
  k.append(name);
  return k;
}

std::string EncodeSinkOffset(int64_t offset) {
  std::string v;
  PutVarint(&v, static_cast<uint64_t>(offset));
  return v;
}

std::string ChangeKey(std::string_view customer_key, uint64_t seq) {
  std::string k;
  k.reserve(customer_key.size() + 9);
  k.append(customer_key);
  k.push_back('\0');
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(seq >> (8 * i)));
  return k;
}

namespace {
constexpr uint64_t kSignBit = uint64_t{1} << 63;
}  // namespace

std::string CustomerIndexKey(uint64_t index) {
  std::string k;
  k.reserve(8);
  PutBigEndian64(&k, index);
  return k;
}

std::string TimerRangeKey(int32_t partition, int64_t due) {
  std::string k = PartitionKeyPrefix(partition);
  k.reserve(kPartitionPrefixBytes + 16);
  PutBigEndian64(&k, static_cast<uint64_t>(due) ^ kSignBit);
  return k;
}

std::string TimerKey(int64_t due, uint64_t index) {
  std::string k = TimerRangeKey(PartitionOfIndex(index), due);
  PutBigEndian64(&k, index);
  return k;
}

bool ParseTimerKey(std::string_view key, int64_t* due, uint64_t* index) {
  if (key.size() != kPartitionPrefixBytes + 16) return false;
  *due = static_cast<int64_t>(GetBigEndian64(key.substr(kPartitionPrefixBytes)) ^ kSignBit);
  *index = GetBigEndian64(key.substr(kPartitionPrefixBytes + 8));
  return PartitionOfIndex(*index) == PartitionOfKey(key);
}

}  // namespace segstream
