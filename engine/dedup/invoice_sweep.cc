// InvoiceSweep; see invoice_sweep.h.
#include "engine/dedup/invoice_sweep.h"

#include <vector>

#include "engine/rfm/customer_key.h"
#include "engine/rfm/customer_record.h"
#include "state/record_codec.h"

namespace segstream {

Status InvoiceSweep::Load() {
  std::string value;
  Status s = store_->Get(Column::kMeta, kInvoiceSweepKey, &value);
  if (s.code() == Status::Code::kNotFound) {
    cursor_.clear();
    return Status::OK();
  }
  if (!s.ok()) return s;
  cursor_ = std::move(value);
  return Status::OK();
}

Status InvoiceSweep::Step(size_t budget, const FloorFn& floor, StateWrite* write) {
  if (budget == 0) return Status::OK();
  std::vector<std::string> expired;
  std::string next;  // the key after the last one visited; empty: the end was reached
  size_t visited = 0;
  SEGSTREAM_RETURN_IF_ERROR(store_->ScanRange(
      Column::kInvoices, cursor_, "", [&](std::string_view key, std::string_view value) {
        if (visited == budget) {
          next.assign(key);
          return false;
        }
        ++visited;
        const int64_t written = InvoiceWrittenWatermark(value);
        const int64_t partition_floor = floor(PartitionOfKey(key));
        if (written != kNoTime && partition_floor != kNoTime && written < partition_floor) {
          expired.emplace_back(key);
        }
        return true;
      }));
  for (std::string& key : expired) write->Delete(Column::kInvoices, std::move(key));
  deleted_ += expired.size();
  if (next.empty()) ++rounds_;  // the end: the next step starts over
  cursor_ = std::move(next);
  write->Put(Column::kMeta, std::string(kInvoiceSweepKey), cursor_);
  return Status::OK();
}

}  // namespace segstream
