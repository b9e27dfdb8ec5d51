// `segctl customers`: every customer's RFM and segment, sorted by id, as CSV
// (header customer_id,recency_days,frequency,monetary,segment_id,segment_name,
// r_score,f_score,m_score,rfm_score,rfm_segment) or JSONL. recency_days and
// the scores are empty/null for customers with returns only; the scores use
// the quintile boundaries of the last model version (engine/analytics/rfm_scores.h).
// `--id ID` prints one customer; ID is canonicalised like input ids
// (engine/event/customer_id.h: "91001.0" and "091002" find 91001 and 91002).
#include <cstdio>
#include <optional>

#include "engine/event/customer_id.h"
#include "engine/analytics/aggregates.h"
#include "engine/util/json.h"
#include "tools/segctl/commands.h"
#include "tools/segctl/state_reader.h"

namespace segstream::segctl {
namespace {

struct CustomersArgs {
  std::string state = "segstream-state";
  std::string format = "csv";
  std::string id;  // empty: every customer
};

int RunCustomers(const CustomersArgs& a) {
  std::optional<std::string> only;
  if (!a.id.empty()) {
    only = CanonicalCustomerIdForLookup(a.id);
    if (!only) {
      std::fprintf(stderr, "segctl customers: --id '%s' is not a customer id (a non-negative integer)\n", a.id.c_str());
      return 2;
    }
  }
  int error = 0;
  const auto view = LoadView(a.state, &error);
  if (!view) return error;
  const bool csv = a.format == "csv";
  std::string out;
  if (csv) out = "customer_id,recency_days,frequency,monetary,segment_id,segment_name,r_score,f_score,m_score,rfm_score,rfm_segment\n";
  bool found = false;
  for (const auto& row : view->customers) {
    if (only && row.id != *only) continue;
    found = true;
    const CustomerRecord& r = row.rec;
    const SegmentInfo* seg = view->model.Find(r.segment_id);
    const std::string name = r.segment_id < 0 ? "" : (seg ? seg->name : "retired");
    if (csv) {
      out += row.id;
      out += ',';
      if (r.active()) AppendJsonFixed(&out, r.recency_days(view->watermark), 6);
      out += ',' + std::to_string(r.frequency) + ',';
      AppendMilliAsCents(&out, r.monetary_milli());
      out += ',';
      if (r.segment_id >= 0) out += std::to_string(r.segment_id);
      out += ',' + name;
      const analytics::RfmScore s = analytics::ScoreOf(view->rfm, r.last_purchase_ts, r.frequency, r.monetary_milli());
      if (s.valid()) {
        out += ',' + std::to_string(s.r) + ',' + std::to_string(s.f) + ',' + std::to_string(s.m) + ',' + s.Code() + ',';
        out += analytics::RfmSegmentName(s.r, s.f);
      } else {
        out += ",,,,,";
      }
      out += '\n';
    } else {
      out += "{\"customer_id\":";
      AppendJsonString(&out, row.id);
      out += ",\"recency_days\":";
      if (r.active()) {
        AppendJsonFixed(&out, r.recency_days(view->watermark), 6);
      } else {
        out += "null";
      }
      out += ",\"frequency\":" + std::to_string(r.frequency) + ",\"monetary\":";
      AppendMilliAsCents(&out, r.monetary_milli());
      out += ",\"segment_id\":" + (r.segment_id >= 0 ? std::to_string(r.segment_id) : std::string("null"));
      out += ",\"segment_name\":";
      if (r.segment_id >= 0) {
        AppendJsonString(&out, name);
      } else {
        out += "null";
      }
      analytics::AppendRfmScoreJson(&out, view->rfm, r);
      out += "}\n";
    }
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (only && !found) {
    std::fprintf(stderr, "segctl customers: no customer %s\n", only->c_str());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

void AddCustomersCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CustomersArgs>();
  CLI::App* cmd = app.add_subcommand("customers", "every customer's RFM and segment, sorted by id");
  cmd->add_option("--state", args->state, "state directory (default ./segstream-state)");
  cmd->add_option("--id", args->id, "one customer, by id in any form the input accepts (17850, 17850.0, 017850)");
  cmd->add_option("--format", args->format, "csv or jsonl (default csv)")->check(CLI::IsMember({"csv", "jsonl"}));
  cmd->callback([args, exit_code] { *exit_code = RunCustomers(*args); });
}

}  // namespace segstream::segctl
