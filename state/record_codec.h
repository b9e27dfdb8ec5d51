// Binary encodings of the records kept in RocksDB (documented in
// state/FORMAT.md). Every value starts with a format byte so a newer
// layout is detected instead of misread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/rfm/customer_key.h"
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

// Keys (state format 6, state/FORMAT.md). `customer_key` is a CustomerKey
// (engine/rfm/customer_key.h): the state partition, then the customer id.
//
// Invoice key: customer key, NUL, invoice.
std::string InvoiceKey(std::string_view customer_key, std::string_view invoice);
// Change key: customer key, NUL, big-endian seq (so a reverse scan is newest-first).
std::string ChangeKey(std::string_view customer_key, uint64_t seq);
// Customer-index key: the customer's index (engine/rfm/customer_key.h: the
// partition in the top 24 bits, the creation order within it below),
// big-endian, so key order is partition then creation order.
std::string CustomerIndexKey(uint64_t index);
// Timer key: the state partition of the customer (4 bytes, big-endian), the
// due time (Unix seconds, big-endian with the sign bit flipped, so key order
// is time order within a partition), then the customer index (big-endian).
std::string TimerKey(int64_t due, uint64_t index);
// The first timer key of `partition` due at or after `due`.
std::string TimerRangeKey(int32_t partition, int64_t due);
// Parses a TimerKey; false when `key` is not one.
bool ParseTimerKey(std::string_view key, int64_t* due, uint64_t* index);

// Sink offsets (meta, never logged to a changelog): "sink/" + the sink's name
// for the offset (a file name, or changelog/<p>) -> varint offset.
inline constexpr std::string_view kSinkOffsetPrefix = "sink/";
std::string SinkOffsetKey(std::string_view name);
std::string EncodeSinkOffset(int64_t offset);

}  // namespace segstream
