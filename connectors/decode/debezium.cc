// DebeziumDecoder; see debezium.h.
#include "connectors/decode/debezium.h"

#include <simdjson.h>

#include <fmt/format.h>

#include "connectors/decode/field_parse.h"
#include "connectors/decode/json_decoder.h"
#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"

namespace segstream {
namespace {

// The mapping with "after."/"before." dropped: paths relative to a row image.
decode::InputFormat RowFormat(decode::InputFormat f) {
  for (auto& src : f.columns.source) {
    for (std::string_view prefix : {"after.", "before."}) {
      if (src.starts_with(prefix)) src.erase(0, prefix.size());
    }
  }
  return f;
}

}  // namespace

struct DebeziumDecoder::Impl {
  explicit Impl(const decode::InputFormat& f) : rows(RowFormat(f)) {}
  simdjson::dom::parser parser;
  JsonEventDecoder rows;
  std::string padded;
  DecodedRecord scratch;
  CdcRecord cdc;  // DecodeRecords' scratch
};

DebeziumDecoder::DebeziumDecoder(const decode::InputFormat& format) : impl_(std::make_unique<Impl>(format)) {}
DebeziumDecoder::~DebeziumDecoder() = default;

void DebeziumDecoder::Decode(std::string_view text, CdcRecord* out) {
  out->op = 0;
  out->changes.clear();
  out->error.clear();
  auto fail = [&](std::string_view cls, std::string_view detail) { decode::FormatReasonText(cls, detail, &out->error); };
  const std::string_view trimmed = decode::TrimSpaces(text);
  if (trimmed.empty() || trimmed == "null") return;  // tombstone
  if (!decode::IsValidUtf8(text)) return fail(decode::kInvalidUtf8, "the document is not valid UTF-8");
  impl_->padded.assign(text);
  simdjson::dom::element root;
  if (auto err = impl_->parser.parse(impl_->padded).get(root)) return fail(decode::kBadJson, simdjson::error_message(err));
  if (root.is_null()) return;  // tombstone
  if (!root.is_object()) return fail(decode::kBadJson, "not a JSON object");
  simdjson::dom::element payload = root;
  simdjson::dom::element inner;
  if (!root["payload"].get(inner)) {  // the schemas.enable=true wrapper
    if (inner.is_null()) return;      // a tombstone with a schema
    payload = inner;
  }
  if (!payload.is_object()) return fail(decode::kBadJson, "payload is not a JSON object");
  std::string_view op;
  if (payload["op"].get_string().get(op)) return fail(decode::kMissingField, "op");
  if (op.size() != 1 || std::string_view("crud").find(op[0]) == std::string_view::npos) {
    return fail(decode::kUnsupportedOp, fmt::format("op \"{}\" (expected c, r, u or d)", decode::Utf8Prefix(op, 16)));
  }
  out->op = op[0];
  auto image = [&](const char* name, bool retract) {
    simdjson::dom::element row;
    if (payload[name].get(row) || row.is_null()) {
      fail(decode::kMissingField, fmt::format("{} (op {})", name, op));
      return false;
    }
    const std::string json = simdjson::to_string(row);
    impl_->rows.Decode(json, &impl_->scratch);
    if (!impl_->scratch.error.empty()) {
      out->error = fmt::format("{} ({} image)", impl_->scratch.error, name);
      return false;
    }
    out->changes.push_back({impl_->scratch.event, retract});
    return true;
  };
  if (op == "u" || op == "d") {
    if (!image("before", true)) return out->changes.clear();
  }
  if (op != "d") {
    if (!image("after", false)) return out->changes.clear();
  }
}

void DebeziumDecoder::DecodeRecords(std::string_view document, std::vector<DecodedRecord>* out) {
  static constexpr size_t kMaxRawBytes = 4096;
  CdcRecord& cdc = impl_->cdc;
  Decode(document, &cdc);
  if (!cdc.error.empty()) {
    DecodedRecord& r = out->emplace_back();
    r.error = cdc.error;
    decode::AssignValidUtf8Prefix(document, kMaxRawBytes, &r.raw);
  } else if (cdc.changes.empty()) {
    out->emplace_back().skip = "tombstone";
  } else {
    for (LineChange& change : cdc.changes) {
      DecodedRecord& r = out->emplace_back();
      r.event = std::move(change.event);
      r.retract = change.retract;
    }
  }
}

}  // namespace segstream
