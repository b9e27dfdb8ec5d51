// Binary encodings of the records kept in RocksDB (documented in
// state/FORMAT.md). Every value starts with a format byte so a newer
// layout is detected instead of misread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/rfm/customer_record.h"
#include "engine/util/coding.h"
#include "engine/util/status.h"

namespace segstream {

// Customer records are written in format 4; with a known `history` they
// carry the line times a retraction needs. Decoding reads formats 1-4, fills
// *history when given (known = false when the record has none) and
// otherwise checks and skips it.
std::string EncodeCustomer(const CustomerRecord& r, const CustomerHistory* history = nullptr);
Status DecodeCustomer(std::string_view data, CustomerRecord* r, CustomerHistory* history = nullptr);

std::string EncodeInvoice(const InvoiceRecord& r);
Status DecodeInvoice(std::string_view data, InvoiceRecord* r);
// The written_watermark of an encoded invoice record without decoding the
// rest (for the retention compaction filter); kNoTime for format 1 records
// and anything it cannot read, which are therefore kept.
int64_t InvoiceWrittenWatermark(std::string_view data);

// Invoice key: customer id, NUL, invoice.
std::string InvoiceKey(std::string_view customer_id, std::string_view invoice);
// Change key: customer id, NUL, big-endian seq (so a reverse scan is newest-first).
std::string ChangeKey(std::string_view customer_id, uint64_t seq);
// Customer-index key: the customer's index (creation order), big-endian, so
// key order is index order.
std::string CustomerIndexKey(uint64_t index);
// Timer key: the due time (Unix seconds, big-endian with the sign bit
// flipped, so key order is time order) then the customer index (big-endian).
std::string TimerKey(int64_t due, uint64_t index);
// Parses a TimerKey; false when `key` is not one.
bool ParseTimerKey(std::string_view key, int64_t* due, uint64_t* index);

}  // namespace segstream
