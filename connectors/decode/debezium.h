// DebeziumDecoder: the decoding side of change-data-capture input (issue 13,
// "CDC envelopes"). One Debezium JSON change event, with or without the
// {"schema":...,"payload":...} wrapper (JsonConverter schemas.enable=true or
// false), becomes the invoice-line changes it stands for, each an event with
// a retraction flag:
//   op "c" (create), "r" (snapshot read)  -> [ +after ]
//   op "u" (update)                        -> [ -before, +after ]
//   op "d" (delete)                        -> [ -before ]
//   a tombstone (empty document or JSON null, Kafka's null value after a
//   delete)                                -> [ ] (skipped)
// Retraction semantics (for the engine, see below): "-line" must leave the
// state exactly as if that line had never been applied; "+line" is a new
// line like any other. An update therefore moves a line, e.g. a corrected
// quantity, without counting a second invoice.
// Row images are decoded by JsonEventDecoder with the column mapping, whose
// paths may name the row's fields directly ("customer_ref") or in full
// ("after.customer_ref"; the "after."/"before." prefix is dropped and the
// same mapping reads both images). Numbers as strings (Debezium's
// decimal.handling.mode=string) and epoch times (MicroTimestamp with
// --time-format epoch_us) are accepted; Debezium's default binary decimals
// (base64 "precise" mode) are not: configure the connector with
// decimal.handling.mode=string or double.
// Errors (`bad_json`, `missing_field: op`, `unsupported_op`, and any reason
// of a row image) are reported like every decoder's: "<class>: <detail>".
// Source: Debezium documentation, "Change event values" (op, before, after,
// tombstones) for the MySQL/PostgreSQL connectors.
//
// Wired into `segstream run` by `--input-format debezium`, for file input
// (connectors/file/record_reader.h: one line = one change event) and Kafka
// input (connectors/kafka/kafka.h: one message value = one change event, a
// null value = a tombstone) alike, through DecodeRecords: each change becomes
// a DecodedRecord with `retract` set for "-line", and SegmentEngine undoes it
// exactly (state keeps per-invoice purchase-line counts and per-customer line
// times). The records of one change event share its origin (line or offset),
// which is what keeps them in one committed batch (see the sources).
//
// Thread safety: one instance per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/decode/input_format.h"
#include "engine/event/invoice_event.h"

namespace segstream {

struct LineChange {
  InvoiceEvent event;
  bool retract = false;  // true: undo this line; false: apply it
};

struct CdcRecord {
  char op = 0;                       // 'c', 'r', 'u', 'd'; 0 for a tombstone
  std::vector<LineChange> changes;   // valid when error is empty
  std::string error;                 // "<class>: <detail>"
};

class DebeziumDecoder {
 public:
  // REQUIRES: format.mapped() (the row's columns have the shop's names).
  explicit DebeziumDecoder(const decode::InputFormat& format);
  ~DebeziumDecoder();

  void Decode(std::string_view document, CdcRecord* out);

  // The change event as DecodedRecords appended to *out, for a Source: one
  // per line change (`retract` set for "-line"), a tombstone as one record
  // with skip = "tombstone" (counted, never applied), a bad event as one dead
  // letter (`error`, and `raw` = the document cut to 4 KiB). The appended
  // records' origins are left for the caller to set (all the same).
  void DecodeRecords(std::string_view document, std::vector<DecodedRecord>* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace segstream
