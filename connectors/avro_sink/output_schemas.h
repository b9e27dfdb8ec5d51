// The Avro schemas of segstream's outputs under --avro-outputs (Avro 1.11
// specification, https://avro.apache.org/docs/1.11.1/specification/). Each
// schema's fields are the keys of the output's JSON form (README "Outputs",
// DESIGN.md "Model versions") with the same values:
//   segment changes   -> segstream.SegmentChange   (engine/segment change JSON)
//   customer segments -> segstream.CustomerSegment
//   model versions    -> segstream.Model           (ServingModelJson,
//                        engine/segment/serving_model.cc)
//   dead letters      -> segstream.DeadLetter      (DeadLetterJson,
//                        connectors/decode/dead_letter.h)
// A JSON key that may be null or absent is a ["null", T] union with default
// null (absent and null read back the same: null); `k_requested` is
// ["long","string"] (a number, or "auto"). Doubles the engine may print as
// null (inertia and silhouette when undefined) are nullable; every other
// double is always finite.
//
// Evolving them: add fields as ["null", T] with default null only, so every
// registered version stays backward compatible (Confluent's BACKWARD).
//
// Thread safety: constants.
#pragma once

namespace segstream {

extern const char* const kSegmentChangeSchema;
extern const char* const kCustomerSegmentSchema;
extern const char* const kModelSchema;
extern const char* const kDeadLetterSchema;

}  // namespace segstream
