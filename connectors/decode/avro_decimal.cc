// Avro decimal logical types; see avro_decimal.h.
#include "connectors/decode/avro_decimal.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <map>

#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"

namespace segstream::decode {
namespace {

using Json = nlohmann::json;

// Named types (record, enum, fixed) by full name and by short name.
void CollectNamed(const Json& j, const std::string& ns, std::map<std::string, const Json*>* named) {
  if (j.is_array()) {
    for (const Json& e : j) CollectNamed(e, ns, named);
    return;
  }
  if (!j.is_object()) return;
  std::string inner_ns = ns;
  if (auto name = j.find("name"); name != j.end() && name->is_string() && j.contains("type") &&
                                   j["type"].is_string()) {
    const std::string& type = j["type"].get_ref<const std::string&>();
    if (type == "record" || type == "enum" || type == "fixed" || type == "error") {
      std::string full = name->get<std::string>();
      if (full.find('.') == std::string::npos) {
        if (auto n = j.find("namespace"); n != j.end() && n->is_string()) inner_ns = n->get<std::string>();
        full = inner_ns.empty() ? full : inner_ns + "." + full;
      } else {
        inner_ns = full.substr(0, full.rfind('.'));
      }
      (*named)[full] = &j;
      (*named)[full.substr(full.rfind('.') + 1)] = &j;
    }
  }
  if (auto t = j.find("type"); t != j.end() && !t->is_string()) CollectNamed(*t, inner_ns, named);
  if (auto f = j.find("fields"); f != j.end()) CollectNamed(*f, inner_ns, named);
  if (auto i = j.find("items"); i != j.end()) CollectNamed(*i, inner_ns, named);
  if (auto v = j.find("values"); v != j.end()) CollectNamed(*v, inner_ns, named);
}

// The concrete types a type expression stands for (a union's branches, a
// named reference's definition, a {"type": ...} wrapper's content).
void Resolve(const Json& t, const std::map<std::string, const Json*>& named, std::vector<const Json*>* out,
             int depth = 0) {
  if (depth > 32) return;
  if (t.is_array()) {
    for (const Json& b : t) Resolve(b, named, out, depth + 1);
  } else if (t.is_string()) {
    if (auto it = named.find(t.get<std::string>()); it != named.end()) out->push_back(it->second);
  } else if (t.is_object()) {
    if (auto inner = t.find("type"); inner != t.end() && !inner->is_string()) {
      Resolve(*inner, named, out, depth + 1);
    } else {
      out->push_back(&t);
    }
  }
}

std::optional<DecimalType> DecimalOf(const Json& t) {
  auto logical = t.find("logicalType");
  if (logical == t.end() || *logical != "decimal") return std::nullopt;
  auto p = t.find("precision");
  if (p == t.end() || !p->is_number_integer()) return std::nullopt;
  DecimalType d;
  d.precision = p->get<int>();
  if (auto s = t.find("scale"); s != t.end()) {
    if (!s->is_number_integer()) return std::nullopt;
    d.scale = s->get<int>();
  }
  if (d.precision < 1 || d.scale < 0 || d.scale > d.precision) return std::nullopt;  // invalid: ignored
  return d;
}

}  // namespace

FieldDecimals FindDecimals(std::string_view schema_json, const std::vector<std::string>& path) {
  FieldDecimals out;
  const Json root = Json::parse(schema_json, nullptr, false);
  if (root.is_discarded() || path.empty()) return out;
  std::map<std::string, const Json*> named;
  CollectNamed(root, "", &named);
  std::vector<const Json*> current;
  Resolve(root, named, &current);
  for (const std::string& step : path) {
    std::vector<const Json*> next;
    for (const Json* t : current) {
      auto fields = t->find("fields");
      if (fields == t->end() || !fields->is_array()) continue;
      for (const Json& f : *fields) {
        if (f.is_object() && f.value("name", "") == step && f.contains("type")) Resolve(f["type"], named, &next);
      }
    }
    current = std::move(next);
  }
  for (const Json* t : current) {
    const std::string type = t->value("type", "");
    auto d = DecimalOf(*t);
    if (!d) continue;
    if (type == "bytes") {
      out.bytes = d;
    } else if (type == "fixed") {
      std::string name = t->value("name", "");
      out.fixed.emplace_back(name.substr(name.rfind('.') + 1), *d);
    }
  }
  return out;
}

bool DecimalText(std::string_view unscaled, const DecimalType& type, std::string* text, std::string* why) {
  if (unscaled.empty()) {
    *why = "an empty decimal (no bytes)";
    return false;
  }
  const auto* b = reinterpret_cast<const unsigned char*>(unscaled.data());
  const bool negative = (b[0] & 0x80) != 0;
  // Sign-extension bytes carry no digits: drop them (keep one sign bit).
  size_t start = 0;
  while (start + 1 < unscaled.size() && b[start] == (negative ? 0xff : 0x00) &&
         ((b[start + 1] & 0x80) != 0) == negative) {
    ++start;
  }
  if (unscaled.size() - start > 16) {
    *why = fmt::format("a decimal of {} bytes (more than 38 digits)", unscaled.size());
    return false;
  }
  unsigned __int128 magnitude = 0;
  for (size_t i = start; i < unscaled.size(); ++i) magnitude = (magnitude << 8) | b[i];
  const size_t bits = 8 * (unscaled.size() - start);
  if (negative) {
    // Two's complement over `bits`: magnitude = 2^bits - value.
    const unsigned __int128 mask = bits >= 128 ? ~static_cast<unsigned __int128>(0)
                                               : ((static_cast<unsigned __int128>(1) << bits) - 1);
    magnitude = ((~magnitude) & mask) + 1;
  }
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  const bool zero = digits == "0";
  if (!zero && digits.size() > static_cast<size_t>(type.precision)) {
    *why = fmt::format("a decimal of {} digits, more than its precision {}", digits.size(), type.precision);
    return false;
  }
  if (digits.size() <= static_cast<size_t>(type.scale)) {
    digits.insert(0, static_cast<size_t>(type.scale) + 1 - digits.size(), '0');
  }
  text->clear();
  if (negative && !zero) text->push_back('-');
  text->append(digits, 0, digits.size() - static_cast<size_t>(type.scale));
  if (type.scale > 0) {
    text->push_back('.');
    text->append(digits, digits.size() - static_cast<size_t>(type.scale));
  }
  return true;
}

bool DecimalFieldText(std::string_view unscaled, const DecimalType& type, bool money, std::string_view label,
                      std::string* text, std::string* error) {
  std::string why;
  if (!DecimalText(unscaled, type, text, &why)) {
    FormatReasonText(kBadNumber, fmt::format("{} is {}", Utf8Prefix(label, 64), why), error);
    return false;
  }
  // The last (scale - 3) digits are below the thousandths.
  if (money && type.scale > 3 &&
      text->find_last_not_of('0') > text->size() - 1 - static_cast<size_t>(type.scale - 3)) {
    FormatReasonText(kPrecisionLoss,
                     fmt::format("{} {} (decimal scale {}) has digits below the thousandths segstream keeps",
                                 Utf8Prefix(label, 64), *text, type.scale),
                     error);
    return false;
  }
  return true;
}

}  // namespace segstream::decode
