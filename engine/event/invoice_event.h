// The value types that flow through the pipeline: one invoice line as an
// event, and what a source hands the pipeline for each record it read
// (an event, or the reason it could not be decoded).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace segstream {

// One invoice line, decoded and normalised, before cleaning rules ran.
// Text fields are valid UTF-8. Money is fixed-point so sums are exact and
// independent of event order.
struct InvoiceEvent {
  std::string invoice;      // "536365", "C536379" (cancellation), "A563185" (adjustment)
  std::string stock_code;   // "85123A", "POST", "gift_0001_40"
  std::string description;
  std::string customer_id;  // normalised integer text ("17850"); empty = no customer
  std::string country;
  int64_t quantity = 0;           // negative for returns
  int64_t unit_price_milli = 0;   // unit price in thousandths of the currency unit
  int64_t invoice_ts = 0;         // event time, seconds since the Unix epoch, UTC
};

// Where a record sits in its source. For files `offset` is the byte offset of
// the line's first byte in the (decompressed) stream and partition is 0; for
// Kafka it is the message offset in `partition`.
struct Origin {
  int32_t partition = 0;
  int64_t offset = 0;
  uint64_t line = 0;        // 1-based line number for files, 0 for Kafka
  int64_t ingest_us = 0;    // wall-clock microseconds when the record entered the system
};

// One record read from a source: an event, or a dead letter when `error` is set.
struct DecodedRecord {
  Origin origin;
  InvoiceEvent event;   // valid only when error.empty()
  std::string error;    // dead-letter reason, e.g. "unterminated quote"
  std::string raw;      // the raw record on error, cut to 4 KiB, valid UTF-8
  // CDC (connectors/decode/debezium.h): undo `event`, a line applied before,
  // instead of applying it (SegmentEngine, "Retraction").
  bool retract = false;
  // Non-empty: a record the source read and skips on purpose, counted as
  // "skipped" with this reason and otherwise ignored (a CDC tombstone,
  // "tombstone"). It carries a position like any record, so a batch of
  // tombstones alone still commits its offsets. Points to a string literal.
  std::string_view skip;
};

// The resume point of one partition: the next offset to read.
struct Position {
  int32_t partition = 0;
  int64_t next_offset = 0;
  uint64_t next_line = 0;   // files only: line number of the next line
  bool operator==(const Position&) const = default;
};

// What Source::Poll returns: records in source order and the positions that
// follow the last of them (one entry per partition that advanced).
struct SourceBatch {
  std::vector<DecodedRecord> records;
  std::vector<Position> next;
  bool end_of_input = false;   // a finite source (file, stdin) is exhausted
  void Clear() {
    records.clear();
    next.clear();
    end_of_input = false;
  }
};

}  // namespace segstream
