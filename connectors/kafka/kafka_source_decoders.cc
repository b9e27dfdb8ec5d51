// The decoder adapters of OpenKafkaSourceWithDecoder: a one-record decoder,
// infallible or fallible, as the MessageDecoder the consumer runs (one record
// per message; a null or empty value is a dead letter).
#include <utility>

#include "connectors/kafka/kafka_source.h"

namespace segstream {

Result<std::unique_ptr<Source>> OpenKafkaSourceWithDecoder(const KafkaOptions& options,
                                                          StoredPositionLookup lookup,
                                                          RecordDecoder decoder) {
  if (!decoder) return Status::InvalidArgument("Kafka source: no decoder");
  return OpenKafkaSourceWithDecoder(options, std::move(lookup),
                                    FallibleRecordDecoder([d = std::move(decoder)](std::string_view v, DecodedRecord* r) {
                                      d(v, r);
                                      return Status::OK();
                                    }));
}

Result<std::unique_ptr<Source>> OpenKafkaSourceWithDecoder(const KafkaOptions& options,
                                                          StoredPositionLookup lookup,
                                                          FallibleRecordDecoder decoder) {
  if (!decoder) return Status::InvalidArgument("Kafka source: no decoder");
  // One record per message; a null or empty value is a dead letter.
  return OpenKafkaSourceWithDecoder(
      options, std::move(lookup),
      MessageDecoder([d = std::move(decoder)](std::string_view value, std::vector<DecodedRecord>* out) {
        DecodedRecord& rec = out->emplace_back();
        if (value.empty()) {
          rec.error = "empty message";
          return Status::OK();
        }
        return d(value, &rec);
      }));
}

}  // namespace segstream
