#include "engine/dedup/invoice_ledger.h"

#include <algorithm>

#include "state/record_codec.h"

namespace segstream {

Status InvoiceLedger::Lookup(const std::string& customer_key, const std::string& invoice, int64_t watermark,
                             Entry** entry) {
  Entry* e = last_;
  if (e == nullptr || invoice != last_invoice_ || customer_key != last_customer_) {
    std::string key = InvoiceKey(customer_key, invoice);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      Entry fresh;
      std::string value;
      Status s = store_->Get(Column::kInvoices, key, &value);
      if (s.ok()) {
        SEGSTREAM_RETURN_IF_ERROR(DecodeInvoice(value, &fresh.rec));
        fresh.stored = true;
      } else if (s.code() != Status::Code::kNotFound) {
        return s;
      }
      fresh.key = key;
      it = entries_.emplace(std::move(key), std::move(fresh)).first;
    }
    e = last_ = &it->second;
    last_invoice_ = invoice;
    last_customer_ = customer_key;
  }
  // Past the window the invoice is forgotten, whether or not the store has
  // dropped it yet (so results never depend on compactions).
  const int64_t floor = RetentionFloor(watermark);
  if (floor != kNoTime && e->rec.written_watermark != kNoTime && e->rec.written_watermark < floor) {
    e->rec = InvoiceRecord();
    e->stored = false;
  }
  *entry = e;
  return Status::OK();
}

void InvoiceLedger::MarkChanged(Entry* entry) {
  if (entry->dirty) return;
  entry->dirty = true;
  if (!entry->stored) ++created_;
  dirty_.push_back(entry);
}

bool InvoiceLedger::HoldsLine(const InvoiceRecord& rec, uint64_t fingerprint) {
  return std::find(rec.line_fingerprints.begin(), rec.line_fingerprints.end(), fingerprint) !=
         rec.line_fingerprints.end();
}

void InvoiceLedger::WriteTo(StateWrite* write) const {
  for (const Entry* e : dirty_) {
    if (e->rec.line_fingerprints.empty()) {
      write->Delete(Column::kInvoices, e->key);
    } else {
      write->Put(Column::kInvoices, e->key, EncodeInvoice(e->rec));
    }
  }
}

void InvoiceLedger::OnCommitted() {
  for (Entry* e : dirty_) {
    e->dirty = false;
    e->stored = !e->rec.line_fingerprints.empty();  // WriteTo put it, or deleted it
  }
  dirty_.clear();
  created_ = 0;
  // Everything cached is durable now; bound the cache by dropping it whole
  // (a customer's invoices are usually contiguous, so this costs little).
  if (entries_.size() > cache_entries_) {
    entries_.clear();
    last_ = nullptr;
  }
}

}  // namespace segstream
