// Record encodings; see record_codec.h and FORMAT.md.
#include "state/record_codec.h"

#include <cstring>

namespace segstream {
namespace {
constexpr uint8_t kCustomerFormat = 1;
constexpr uint8_t kInvoiceFormat = 1;
uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }
}  // namespace

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutSignedVarint(std::string* out, int64_t v) { PutVarint(out, ZigZag(v)); }
void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutDouble(std::string* out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutFixed64(out, bits);
}
void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

bool Decoder::GetVarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !data_.empty(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(data_[0]);
    data_.remove_prefix(1);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}
bool Decoder::GetSignedVarint(int64_t* v) {
  uint64_t u;
  if (!GetVarint(&u)) return false;
  *v = UnZigZag(u);
  return true;
}
bool Decoder::GetFixed64(uint64_t* v) {
  if (data_.size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(static_cast<uint8_t>(data_[i])) << (8 * i);
  data_.remove_prefix(8);
  *v = r;
  return true;
}
bool Decoder::GetDouble(double* v) {
  uint64_t bits;
  if (!GetFixed64(&bits)) return false;
  std::memcpy(v, &bits, sizeof bits);
  return true;
}
bool Decoder::GetBytes(std::string_view* s) {
  uint64_t n;
  if (!GetVarint(&n) || n > data_.size()) return false;
  *s = data_.substr(0, n);
  data_.remove_prefix(n);
  return true;
}
bool Decoder::GetByte(uint8_t* b) {
  if (data_.empty()) return false;
  *b = static_cast<uint8_t>(data_[0]);
  data_.remove_prefix(1);
  return true;
}

std::string EncodeCustomer(const CustomerRecord& r) {
  std::string out;
  out.reserve(48);
  out.push_back(static_cast<char>(kCustomerFormat));
  PutVarint(&out, r.index);
  PutSignedVarint(&out, r.frequency);
  PutSignedVarint(&out, r.purchases_milli);
  PutSignedVarint(&out, r.returns_milli);
  PutSignedVarint(&out, r.first_purchase_ts);
  PutSignedVarint(&out, r.last_purchase_ts);
  PutSignedVarint(&out, r.last_event_ts);
  PutSignedVarint(&out, r.vector_watermark);
  PutSignedVarint(&out, r.segment_id);
  PutVarint(&out, r.seq);
  return out;
}

Status DecodeCustomer(std::string_view data, CustomerRecord* r) {
  Decoder d(data);
  uint8_t format;
  if (!d.GetByte(&format)) return Status::Corruption("empty customer record");
  if (format != kCustomerFormat) {
    return Status::NotSupported("customer record format " + std::to_string(format) + " is newer than this build");
  }
  int64_t segment = 0;
  if (!d.GetVarint(&r->index) || !d.GetSignedVarint(&r->frequency) || !d.GetSignedVarint(&r->purchases_milli) ||
      !d.GetSignedVarint(&r->returns_milli) || !d.GetSignedVarint(&r->first_purchase_ts) ||
      !d.GetSignedVarint(&r->last_purchase_ts) || !d.GetSignedVarint(&r->last_event_ts) ||
      !d.GetSignedVarint(&r->vector_watermark) || !d.GetSignedVarint(&segment) || !d.GetVarint(&r->seq) || !d.done()) {
    return Status::Corruption("truncated or oversized customer record");
  }
  r->segment_id = static_cast<int32_t>(segment);
  return Status::OK();
}

std::string EncodeInvoice(const InvoiceRecord& r) {
  std::string out;
  out.reserve(2 + 8 * r.line_fingerprints.size() + 4);
  out.push_back(static_cast<char>(kInvoiceFormat));
  out.push_back(r.purchase_counted ? 1 : 0);
  PutVarint(&out, r.line_fingerprints.size());
  for (uint64_t f : r.line_fingerprints) PutFixed64(&out, f);
  return out;
}

Status DecodeInvoice(std::string_view data, InvoiceRecord* r) {
  Decoder d(data);
  uint8_t format, counted;
  uint64_t n;
  if (!d.GetByte(&format)) return Status::Corruption("empty invoice record");
  if (format != kInvoiceFormat) return Status::NotSupported("invoice record format is newer than this build");
  if (!d.GetByte(&counted) || !d.GetVarint(&n) || n > data.size() / 8) return Status::Corruption("bad invoice record");
  r->purchase_counted = counted != 0;
  r->line_fingerprints.resize(n);
  for (auto& f : r->line_fingerprints) {
    if (!d.GetFixed64(&f)) return Status::Corruption("truncated invoice record");
  }
  return d.done() ? Status::OK() : Status::Corruption("oversized invoice record");
}

std::string InvoiceKey(std::string_view customer_id, std::string_view invoice) {
  std::string k;
  k.reserve(customer_id.size() + 1 + invoice.size());
  k.append(customer_id);
  k.push_back('\0');
  k.append(invoice);
  return k;
}

std::string ChangeKey(std::string_view customer_id, uint64_t seq) {
  std::string k;
  k.reserve(customer_id.size() + 9);
  k.append(customer_id);
  k.push_back('\0');
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(seq >> (8 * i)));
  return k;
}

}  // namespace segstream
