// Read-only state access for segctl; see state_reader.h.
#include "tools/segctl/state_reader.h"

#include <algorithm>
#include <cstdio>

#include "engine/analytics/aggregates.h"
#include "state/record_codec.h"

namespace segstream::segctl {
namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IdLess(const std::string& a, const std::string& b) {
  const bool da = AllDigits(a), db = AllDigits(b);
  if (da && db && a.size() != b.size()) return a.size() < b.size();
  if (da != db) return da;  // numeric ids first
  return a < b;
}

}  // namespace

Result<std::unique_ptr<StateReader>> StateReader::Open(const std::string& dir) {
  StoreOptions options;
  options.read_only = true;
  auto store = OpenRocksDbStore(dir, options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<StateReader>(new StateReader(std::move(store).value()));
}

Result<std::vector<CustomerRow>> StateReader::Customers() {
  std::vector<CustomerRow> rows;
  Status bad;
  SEGSTREAM_RETURN_IF_ERROR(store_->Scan(Column::kCustomers, "", [&](std::string_view key, std::string_view value) {
    CustomerRow row;
    row.id = std::string(CustomerIdOfKey(key));  // the key starts with its partition
    bad = DecodeCustomer(value, &row.rec);
    if (!bad.ok()) return false;
    rows.push_back(std::move(row));
    return true;
  }));
  if (!bad.ok()) return bad;
  std::sort(rows.begin(), rows.end(), [](const CustomerRow& a, const CustomerRow& b) { return IdLess(a.id, b.id); });
  return rows;
}

Result<ServingModel> StateReader::Model() {
  ServingModel m;
  std::string value;
  Status s = store_->Get(Column::kMeta, "model/serving", &value);
  if (s.code() == Status::Code::kNotFound) return m;
  if (!s.ok()) return s;
  SEGSTREAM_RETURN_IF_ERROR(DecodeServingModel(value, &m));
  return m;
}

Result<int64_t> StateReader::Watermark() {
  std::string value;
  Status s = store_->Get(Column::kMeta, "engine", &value);
  if (s.code() == Status::Code::kNotFound) return kNoTime;
  if (!s.ok()) return s;
  // The engine meta starts with its format byte, then the watermark.
  Decoder d(value);
  uint8_t format;
  int64_t watermark;
  if (!d.GetByte(&format) || !d.GetSignedVarint(&watermark)) return Status::Corruption("bad engine meta");
  return watermark;
}

Result<std::vector<std::pair<std::string, std::string>>> StateReader::Meta(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  SEGSTREAM_RETURN_IF_ERROR(store_->Scan(Column::kMeta, prefix, [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return true;
  }));
  return out;
}

Result<StateView> StateReader::ReadView() {
  StateView view;
  auto rows = Customers();
  if (!rows.ok()) return rows.status();
  auto model = Model();
  if (!model.ok()) return model.status();
  auto watermark = Watermark();
  if (!watermark.ok()) return watermark.status();
  view.customers = std::move(rows).value();
  view.model = std::move(model).value();
  view.watermark = watermark.value();
  auto rfm = analytics::ReadRfmBoundaries(store_.get());
  if (!rfm.ok()) return rfm.status();
  view.rfm = rfm.value();
  if (view.rfm.empty()) {
    // No model version yet (or --no-model): the current population's, from
    // the stored histograms.
    analytics::Analytics a;
    if (Status s = a.Load(store_.get()); !s.ok()) return s;
    view.rfm = a.ComputeBoundaries(0);
  }
  return view;
}

std::optional<StateView> LoadView(const std::string& dir, int* exit_code) {
  auto reader = StateReader::Open(dir);
  if (!reader.ok()) {
    *exit_code = ReportError("cannot open state " + dir, reader.status());
    return std::nullopt;
  }
  auto view = (*reader)->ReadView();
  if (!view.ok()) {
    *exit_code = ReportError("cannot read state " + dir, view.status());
    return std::nullopt;
  }
  return std::move(view).value();
}

int ReportError(const std::string& what, const Status& s) {
  std::fprintf(stderr, "segctl: %s: %s\n", what.c_str(), s.message().c_str());
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound:
      return 2;
    case Status::Code::kBusy:
    case Status::Code::kNotSupported:
      return 3;
    default:
      return 1;
  }
}

}  // namespace segstream::segctl
