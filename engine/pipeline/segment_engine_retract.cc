// SegmentEngine, CDC retraction: undoing one applied line exactly (the
// inverse of the apply in segment_engine.cc), or a dead letter when the
// state does not hold the line.
#include <algorithm>
#include <string>

#include "engine/pipeline/segment_engine.h"
#include "state/record_codec.h"

namespace segstream {

bool SegmentEngine::Retract(const std::string& source_id, const DecodedRecord& r, bool is_purchase,
                            const std::string& class_name, InvoiceLedger::Entry* inv, EngineOutputs* out) {
  const InvoiceEvent& e = r.event;
  // A line the state does not hold. Its invoice may have been forgotten (the
  // dedup window): which of the two is decided by the line's own time, so the
  // reason never depends on whether the store dropped the record yet.
  const auto not_held = [&](const char* detail) {
    const bool beyond = invoices_.BeyondWindow(e.invoice_ts, partitions_.watermark(r.origin.partition));
    DeadLetter(source_id, r,
               beyond ? "retraction_beyond_window: the line's invoice is past the dedup window (" +
                            std::to_string(options_.dedup_window_seconds) + " s of watermark)"
                      : std::string("retraction_unknown_line: ") + detail,
               out);
    return false;
  };
  const uint32_t slot = FindExisting(record_key_);
  const uint64_t fp = LineFingerprint(e);
  auto fp_it = std::find(inv->rec.line_fingerprints.begin(), inv->rec.line_fingerprints.end(), fp);
  if (slot == UINT32_MAX || fp_it == inv->rec.line_fingerprints.end()) return not_held("no such line was applied");
  CachedCustomer& s = cache_.at(slot);
  CustomerRecord& c = s.rec;
  if (inv->rec.purchase_lines < 0 || !s.history.known) {
    DeadLetter(source_id, r,
               "retraction_no_history: the line was applied by a build that kept no retraction history "
               "(state records of format 2)",
               out);
    return false;
  }
  // Everything is checked before anything changes.
  int64_t amount = 0;
  const int64_t sum = is_purchase ? c.purchases_milli : c.returns_milli;
  if (!CheckedLineAmountMilli(e.quantity, e.unit_price_milli, &amount) || amount > sum ||
      !s.history.Has(e.invoice_ts, is_purchase) || (is_purchase && inv->rec.purchase_lines == 0)) {
    return not_held("the state does not hold this line");
  }

  // The invoice: the line's fingerprint goes; the invoice stops counting as a
  // purchase with its last purchase line.
  const bool counted_before = inv->rec.purchase_counted;
  inv->rec.line_fingerprints.erase(fp_it);
  bool invoice_uncounted = false;
  if (is_purchase && --inv->rec.purchase_lines == 0) {
    inv->rec.purchase_counted = false;
    invoice_uncounted = counted_before;
  }
  // The watermark never moves back (nor forward) on a retraction.
  inv->rec.written_watermark = partitions_.watermark(r.origin.partition);
  invoices_.MarkChanged(inv);
  batch_counts_.Add("retracted", class_name);
  analytics_.OnRetracted(e, is_purchase, counted_before, inv->rec.purchase_counted,  // analytics hook
                         inv->rec.line_fingerprints.size());

  // The customer: the exact inverse of ApplyAccepted.
  const CustomerRecord before = c;  // analytics hook
  const bool was_active = c.active();
  if (was_active) statistics_.Leave(c);
  if (is_purchase) {
    c.purchases_milli -= amount;
    if (invoice_uncounted) --c.frequency;
  } else {
    c.returns_milli -= amount;
  }
  s.history.Remove(e.invoice_ts, is_purchase);
  c.first_purchase_ts = s.history.FirstPurchase();
  c.last_purchase_ts = s.history.LastPurchase();
  c.last_event_ts = s.history.LastEvent();
  analytics_.OnCustomerChanged(before, c);  // analytics hook
  if (c.active()) {
    s.vec = statistics_.Enter(&s.rec, watermark_);
  } else if (was_active) {
    // No purchase left: the customer leaves the population and its segment
    // (a change to segment -1), as a customer with returns only.
    --active_;
    c.vector_watermark = kNoTime;
    s.vec = model::Vec3::Zero();
    if (c.segment_id >= 0) {
      const int previous = c.segment_id;
      const SegmentInfo* left = ModelOfCurrentSegment(slot).Find(previous);
      c.segment_id = -1;
      CountSegment(previous, -1);
      EmitChange(slot, previous, left, "retraction", e.invoice_ts, e.invoice, out);
    }
  }
  MarkTouched(slot);
  if (!serving_.empty() && c.active()) Rescore(slot, "retraction", e.invoice_ts, out, r.origin.ingest_us, e.invoice);
  return true;
}

}  // namespace segstream
