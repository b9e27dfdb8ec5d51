// Event JSON encoding; see event_json.h.
#include "connectors/decode/event_json.h"

#include "engine/util/json.h"

#include <charconv>

#include "connectors/decode/text.h"
#include "engine/util/time.h"

namespace segstream {
namespace {

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

}  // namespace

void AppendJsonStringAnyText(std::string_view text, std::string* out) {
  if (decode::IsValidUtf8(text)) {
    AppendJsonString(out, text);
  } else {
    std::string utf8;
    decode::AppendLatin1AsUtf8(text, &utf8);
    AppendJsonString(out, utf8);
  }
}

void AppendMilli(int64_t milli, std::string* out) {
  uint64_t mag = milli < 0 ? 0 - static_cast<uint64_t>(milli) : static_cast<uint64_t>(milli);
  if (milli < 0) out->push_back('-');
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, mag / 1000);
  out->append(buf, r.ptr);
  out->push_back('.');
  unsigned frac = static_cast<unsigned>(mag % 1000);
  char digits[3] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                    static_cast<char>('0' + frac % 10)};
  size_t len = 3;
  while (len > 1 && digits[len - 1] == '0') --len;
  out->append(digits, len);
}

void AppendEventJson(const InvoiceEvent& e, std::string* out) {
  out->append("{\"invoice\":");
  AppendJsonStringAnyText(e.invoice, out);
  out->append(",\"stock_code\":");
  AppendJsonStringAnyText(e.stock_code, out);
  out->append(",\"description\":");
  AppendJsonStringAnyText(e.description, out);
  out->append(",\"quantity\":");
  AppendInt(e.quantity, out);
  out->append(",\"unit_price\":");
  AppendMilli(e.unit_price_milli, out);
  out->append(",\"invoice_ts\":\"");
  out->append(FormatIso8601(e.invoice_ts));
  out->append("\",\"customer_id\":");
  AppendJsonStringAnyText(e.customer_id, out);
  out->append(",\"country\":");
  AppendJsonStringAnyText(e.country, out);
  out->push_back('}');
}

std::string EncodeEventJson(const InvoiceEvent& event) {
  std::string out;
  out.reserve(128 + event.description.size());
  AppendEventJson(event, &out);
  return out;
}

}  // namespace segstream
