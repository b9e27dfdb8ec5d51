// Dead-letter JSON; see dead_letter.h.
#include "connectors/decode/dead_letter.h"

#include <fmt/format.h>

#include "connectors/decode/event_json.h"

namespace segstream {

void AppendDeadLetterJson(std::string_view source_id, const DecodedRecord& r, std::string* out) {
  out->append("{\"source\":");
  AppendJsonStringAnyText(source_id, out);
  fmt::format_to(std::back_inserter(*out), ",\"partition\":{},\"offset\":{},\"line\":{},\"reason\":",
                 r.origin.partition, r.origin.offset, r.origin.line);
  AppendJsonStringAnyText(r.error, out);
  out->append(",\"raw\":");
  AppendJsonStringAnyText(r.raw, out);
  out->push_back('}');
}

std::string DeadLetterJson(std::string_view source_id, const DecodedRecord& record) {
  std::string out;
  AppendDeadLetterJson(source_id, record, &out);
  return out;
}

}  // namespace segstream
