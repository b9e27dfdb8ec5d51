// The analyst's segment table (the notebooks' final cell): per segment of the
// serving model its customers, share, median R/F/M, revenue share and the
// suggested action. Printed at the end of a replay and by `segctl segments`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/rfm/customer_record.h"
#include "engine/segment/serving_model.h"

namespace segstream {

struct SegmentRow {
  int segment_id = 0;
  std::string name;
  std::string action;
  uint64_t customers = 0;
  double share = 0;            // of active customers
  double median_recency_days = 0;
  double median_frequency = 0;
  double median_monetary = 0;
  double revenue_share = 0;    // of the net revenue of active customers
};

// Rows in segment-id order, from the customers' current assignments.
std::vector<SegmentRow> BuildSegmentTable(const ServingModel& model, const std::vector<CustomerRecord>& customers,
                                          int64_t watermark);

// A fixed-width text table with a header line.
std::string FormatSegmentTable(const std::vector<SegmentRow>& rows);

// CSV with header segment_id,name,customers,share,median_recency_days,
// median_frequency,median_monetary,revenue_share,action.
std::string SegmentTableCsv(const std::vector<SegmentRow>& rows);

}  // namespace segstream
