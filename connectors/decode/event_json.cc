// Event JSON encoding; see event_json.h.
#include "connectors/decode/event_json.h"

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

void AppendEscapedUtf8(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;  // start of the current run of bytes that need no escape
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
      }
    }
  }
  out->append(text.data() + run, text.size() - run);
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  if (decode::IsValidUtf8(text)) {
    AppendEscapedUtf8(text, out);
  } else {
    std::string utf8;
    decode::AppendLatin1AsUtf8(text, &utf8);
    AppendEscapedUtf8(utf8, out);
  }
  out->push_back('"');
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
  AppendJsonString(e.invoice, out);
  out->append(",\"stock_code\":");
  AppendJsonString(e.stock_code, out);
  out->append(",\"description\":");
  AppendJsonString(e.description, out);
  out->append(",\"quantity\":");
  AppendInt(e.quantity, out);
  out->append(",\"unit_price\":");
  AppendMilli(e.unit_price_milli, out);
  out->append(",\"invoice_ts\":\"");
  out->append(FormatIso8601(e.invoice_ts));
  out->append("\",\"customer_id\":");
  AppendJsonString(e.customer_id, out);
  out->append(",\"country\":");
  AppendJsonString(e.country, out);
  out->push_back('}');
}

std::string EncodeEventJson(const InvoiceEvent& event) {
  std::string out;
  out.reserve(128 + event.description.size());
  AppendEventJson(event, &out);
  return out;
}

}  // namespace segstream
