// AvroEventDecoder: one Kafka message value in the Confluent wire format
// (https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format):
//   byte 0      magic byte 0
//   bytes 1..4  the schema's global id in the registry, big-endian
//   bytes 5..   the record in Avro binary encoding (Avro 1.11 specification,
//               https://avro.apache.org/docs/1.11.1/specification/#binary-encoding)
// into a DecodedRecord. The writer schema is fetched from a SchemaRegistry
// (connectors/schema_registry) by id once and cached (ids are immutable);
// the value is read with avro-c (Debian libavro-dev) into a generic value.
//
// Field texts then go through the same steps as JSON (json_decoder.h), so an
// Avro record and the JSON document with the same values decode to the same
// event:
// - without a column mapping, the top-level fields named like the DESIGN.md
//   event keys (invoice, stock_code, description, quantity, unit_price,
//   invoice_ts, customer_id, country) with the JSON policies: quantity and
//   unit_price must be int, long, float or double; customer_id a string,
//   int or long; the others strings (or enums); null or a missing field is
//   absent;
// - with --columns, each SOURCE is a dotted path of record field names
//   ("after.customer_ref"); every Avro type converts as the JSON number or
//   string would: string and enum = the text, int/long = decimal digits,
//   float/double = the shortest text that reads back the same value (2.55),
//   null or a missing field = absent, boolean/bytes/fixed/array/map/record =
//   `wrong_type`. Logical types are their underlying type (a timestamp-millis
//   is a long: use --time-format epoch_ms), except `decimal` on bytes or
//   fixed (avro_decimal.h): its exact decimal text ("2.5500"), read like the
//   JSON number with those digits, mapped or not (quantity, unit_price,
//   amount). Money (unit_price, amount) with non-zero digits below the
//   thousandths is `precision_loss` (segstream keeps thousandths and would
//   round); an empty value, more than 16 bytes or more digits than the
//   precision is `bad_number`.
// - Unions are looked through (["null","string"] is null or the string).
// Then NormalizeEvent (normalize.h) as for every decoder.
//
// Dead letters (reasons.h), besides the decimal ones above: `bad_avro` for no magic byte, a message shorter
// than 5 bytes, a value that does not decode with its writer schema (or has
// bytes left over), a schema that is not a valid Avro schema or not a record;
// `unknown_schema` when the registry answers that the id does not exist.
// The dead letter's raw is "hex:" and the message's bytes in hex (cut).
//
// Errors: Decode returns a non-OK Status (and leaves *out undefined) only
// when the registry could not be asked (unreachable after its retries, 5xx,
// 401/403), or avro-c could not allocate a fresh value (out of memory). The record is then NOT a dead letter: the caller must not
// consume it or any later record, so that no position moves past it (the
// Kafka source stops the run; a restart resumes from the stored positions).
//
// avro-c's allocations are bounded (no block over 16 MiB: a corrupt length
// is `bad_avro`, not a huge allocation), and the buffer avro-c 1.11 leaks
// when a string read fails half-way is freed (see avro_decoder.cc).
//
// Thread safety: one instance per thread (it reuses its avro-c values); the
// registry may be shared.
#pragma once

#include <memory>
#include <string_view>

#include "connectors/decode/input_format.h"
#include "engine/event/invoice_event.h"
#include "engine/util/status.h"

namespace segstream {

class SchemaRegistry;

class AvroEventDecoder {
 public:
  AvroEventDecoder(const decode::InputFormat& format, std::shared_ptr<SchemaRegistry> registry);
  ~AvroEventDecoder();
  AvroEventDecoder(const AvroEventDecoder&) = delete;
  AvroEventDecoder& operator=(const AvroEventDecoder&) = delete;

  // Fills out->event, or out->error and out->raw (a dead letter); returns OK
  // in both cases. Leaves out->origin alone.
  Status Decode(std::string_view message, DecodedRecord* out);

 private:
  struct Impl;  // keeps avro.h out of every includer
  std::unique_ptr<Impl> impl_;
};

}  // namespace segstream
