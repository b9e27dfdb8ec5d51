// Record encodings; see record_codec.h and FORMAT.md.
#include "state/record_codec.h"


namespace segstream {
namespace {
constexpr uint8_t kCustomerFormat = 2;  // 1: the same without scored_version (read as 0)
constexpr uint8_t kInvoiceFormat = 1;
}  // namespace

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
  PutSignedVarint(&out, r.scored_watermark);
  PutSignedVarint(&out, r.segment_id);
  PutVarint(&out, r.seq);
  PutVarint(&out, r.scored_version);
  return out;
}

Status DecodeCustomer(std::string_view data, CustomerRecord* r) {
  Decoder d(data);
  uint8_t format;
  if (!d.GetByte(&format)) return Status::Corruption("empty customer record");
  if (format != 1 && format != kCustomerFormat) {
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
  if ((format == kCustomerFormat && !d.GetVarint(&r->scored_version)) || !d.done()) {
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
