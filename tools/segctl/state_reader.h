// Read-only access to a segstream state directory for segctl: opens
// RocksDB without taking the writer's lock (segctl may run beside a live
// engine) and decodes customers, the serving model and the engine meta.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/analytics/rfm_scores.h"
#include "engine/rfm/customer_record.h"
#include "engine/segment/serving_model.h"
#include "state/state_store.h"

namespace segstream::segctl {

struct CustomerRow {
  std::string id;
  CustomerRecord rec;
};

// Everything the reporting commands print: customers, model, watermark.
struct StateView {
  std::vector<CustomerRow> customers;  // sorted by id
  ServingModel model;                  // version 0 when none yet
  int64_t watermark = kNoTime;
  analytics::RfmBoundaries rfm;        // RFM quintile boundaries of the last version (else of the population)
};

class StateReader {
 public:
  static Result<std::unique_ptr<StateReader>> Open(const std::string& dir);

  // Every customer, sorted by id (numerically when both ids are numbers).
  Result<std::vector<CustomerRow>> Customers();
  // The current model (version 0 when none yet).
  Result<ServingModel> Model();
  // The committed watermark (kNoTime when empty).
  Result<int64_t> Watermark();
  // Customers, model and watermark in one go.
  Result<StateView> ReadView();
  // Raw meta entries with `prefix` (positions "pos/", sink offsets "sink/").
  Result<std::vector<std::pair<std::string, std::string>>> Meta(const std::string& prefix);
  StateStore* store() { return store_.get(); }

 private:
  explicit StateReader(std::unique_ptr<StateStore> store) : store_(std::move(store)) {}
  std::unique_ptr<StateStore> store_;
};

// Exit code for a failed open/read, after printing the error.
int ReportError(const std::string& what, const Status& s);

// Opens `dir` read-only and reads its view; on failure prints the error and
// stores the exit code in *exit_code.
std::optional<StateView> LoadView(const std::string& dir, int* exit_code);

}  // namespace segstream::segctl
