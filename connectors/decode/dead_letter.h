// One dead letter as a JSON line, the format of dead-letters.jsonl and the
// segstream.dead-letters topic:
//   {"source":"file:3f2a9c0d11e4b7a2","partition":0,"offset":123,"line":7,
//    "reason":"bad_number: Quantity \"12x\"","raw":"..."}
// `raw` is the record as read (valid UTF-8, cut to 4 KiB by the decoder).
#pragma once

#include <string>
#include <string_view>

#include "engine/event/invoice_event.h"

namespace segstream {

void AppendDeadLetterJson(std::string_view source_id, const DecodedRecord& record, std::string* out);
std::string DeadLetterJson(std::string_view source_id, const DecodedRecord& record);

}  // namespace segstream
