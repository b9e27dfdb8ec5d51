// Reason formatting; see reasons.h.
#include "connectors/decode/reasons.h"

#include "connectors/decode/text.h"

namespace segstream::decode {

void FormatReason(std::string_view cls, std::string_view field, std::string_view value, std::string* out) {
  out->assign(cls);
  out->append(": ");
  out->append(field);
  out->append(" \"");
  const std::string_view cut = Utf8Prefix(value, kMaxDetailValueBytes);
  out->append(cut);
  if (cut.size() < value.size()) out->append("...");
  out->push_back('"');
}

void FormatReasonText(std::string_view cls, std::string_view detail, std::string* out) {
  out->assign(cls);
  out->append(": ");
  out->append(detail);
}

}  // namespace segstream::decode
