// InvoiceSweep: deletes the invoice records that are past the dedup window,
// a bounded number of keys per micro-batch, so that their deletion is a
// write, and with a changelog (--changelog, state/changelog.h) a tombstone.
//
// Without a changelog the store's compaction filter drops those records from
// disk for free (StateStore::SetInvoiceRetentionFloor), but nothing of that
// reaches a changelog topic: it would keep one record per invoice ever seen,
// and every restore would bring them all back. With a changelog the filter is
// left off and this sweep removes them instead.
//
// The sweep visits the invoices column family in key order (so partition by
// partition) from a cursor, wrapping around at its end; the cursor is the meta
// key `dedup/sweep` (state/FORMAT.md), written with each step. A record is
// deleted when its written_watermark is below its partition's retention
// floor: the partition's watermark minus the window, the same rule by which
// InvoiceLedger::Lookup already treats it as absent, so deleting it changes
// no result. A record is found within one round of the sweep after it
// expires; a round visits every key once, at `budget` keys per step.
//
// The deletes must precede, in the micro-batch's write, any put of the same
// key (a line of a forgotten invoice re-creates it): Step is called on the
// write before the engine adds its own operations.
//
// Not thread-safe: the pipeline thread owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/util/status.h"
#include "state/state_store.h"

namespace segstream {

// The meta key holding the sweep's cursor (the next invoice key to visit).
inline constexpr std::string_view kInvoiceSweepKey = "dedup/sweep";

class InvoiceSweep {
 public:
  // The retention floor of a state partition (seconds; kNoTime: keep all).
  using FloorFn = std::function<int64_t(int32_t partition)>;

  explicit InvoiceSweep(StateStore* store) : store_(store) {}

  // Reads the stored cursor (none: the start of the column family).
  Status Load();

  // Visits up to `budget` invoice keys from the cursor, adds a Delete to
  // `write` for each record written before its partition's floor, and puts
  // the new cursor. Store read errors are returned, and `write` is then
  // unchanged.
  Status Step(size_t budget, const FloorFn& floor, StateWrite* write);

  const std::string& cursor() const { return cursor_; }
  uint64_t deleted() const { return deleted_; }  // by this object's steps
  uint64_t rounds() const { return rounds_; }    // wrap-arounds by this object's steps

 private:
  StateStore* store_;  // not owned
  std::string cursor_;
  uint64_t deleted_ = 0;
  uint64_t rounds_ = 0;
};

}  // namespace segstream
