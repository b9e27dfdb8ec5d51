// InvoiceLedger: exact-duplicate detection and invoice bookkeeping. One
// InvoiceRecord per (customer, invoice) in the store's invoices column family
// (state/FORMAT.md): the fingerprints of the invoice's accepted lines (a line
// seen again is a duplicate and counts once), how many are purchases, and
// whether the invoice counts toward the customer's frequency.
//
// The dedup window (EngineOptions::dedup_window_seconds, `--dedup-window`):
// an invoice whose record was last written more than the window before the
// watermark is forgotten. Lookup then answers a fresh record, whether or not
// the store has dropped the old one yet (RocksDB drops them as compactions
// reach them, from RetentionFloor), so results never depend on compactions.
// A line of a forgotten invoice that arrives again is applied as new.
//
// Records looked up during micro-batches are cached here (invoice lines
// arrive grouped, so the previous line's invoice is found without hashing);
// the changed ones are written by WriteTo, and after OnCommitted the cache
// is dropped whole when it holds more than `cache_entries`.
// Not thread-safe: the pipeline thread owns it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/rfm/customer_record.h"
#include "engine/util/status.h"
#include "state/state_store.h"

namespace segstream {

class InvoiceLedger {
 public:
  // One invoice as the engine sees it. Stays valid until OnCommitted.
  struct Entry {
    InvoiceRecord rec;
    bool dirty = false;
    bool stored = false;  // the store holds a live record of it (not past the window)
    std::string key;      // InvoiceKey(customer key, invoice)
  };

  // `dedup_window_seconds` < 0: keep every invoice forever.
  InvoiceLedger(StateStore* store, int64_t dedup_window_seconds, size_t cache_entries)
      : store_(store), window_seconds_(dedup_window_seconds), cache_entries_(cache_entries) {}
  InvoiceLedger(const InvoiceLedger&) = delete;
  InvoiceLedger& operator=(const InvoiceLedger&) = delete;

  // The record of `invoice` of the customer whose state key is
  // `customer_key` (a CustomerKey) at `watermark` (seconds): the
  // cached or stored one, or a fresh one when it is unknown or past the
  // dedup window. Store read and decode errors are returned.
  Status Lookup(const std::string& customer_key, const std::string& invoice, int64_t watermark, Entry** entry);

  // `entry` changed: WriteTo writes it (deletes it when no line is left:
  // an invoice whose every line was retracted is as if never seen).
  void MarkChanged(Entry* entry);

  // True when `rec` holds a line with `fingerprint` (LineFingerprint).
  static bool HoldsLine(const InvoiceRecord& rec, uint64_t fingerprint);

  // True when a line at `event_ts` (seconds) is past the window at
  // `watermark`: its invoice may have been forgotten.
  bool BeyondWindow(int64_t event_ts, int64_t watermark) const {
    return window_seconds_ >= 0 && watermark != kNoTime && event_ts < watermark - window_seconds_;
  }
  // Records written before this watermark are past the window (kNoTime:
  // keep everything); see StateStore::SetInvoiceRetentionFloor.
  int64_t RetentionFloor(int64_t watermark) const {
    return window_seconds_ < 0 || watermark == kNoTime ? kNoTime : watermark - window_seconds_;
  }
  int64_t window_seconds() const { return window_seconds_; }

  void WriteTo(StateWrite* write) const;
  void OnCommitted();
  size_t cached() const { return entries_.size(); }
  // Invoice records changed since the last OnCommitted that the store did
  // not hold (new invoices, and forgotten ones seen again).
  size_t created() const { return created_; }

 private:
  StateStore* store_;  // not owned
  int64_t window_seconds_;
  size_t cache_entries_;
  std::unordered_map<std::string, Entry> entries_;  // by key; node-based, so Entry* stay valid
  Entry* last_ = nullptr;  // the previous Lookup's (invoice lines arrive grouped)
  std::string last_customer_, last_invoice_;
  std::vector<Entry*> dirty_;
  size_t created_ = 0;
};

}  // namespace segstream
