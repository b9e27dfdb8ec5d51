// InvoiceGenerator: a deterministic synthetic stream of invoice lines shaped
// like the UCI Online Retail data (multi-line invoices, a few cancellations,
// Zipf-skewed customer activity), optionally with malformed lines and with
// drift (half the customers go dormant while a new group ramps up).
// Memory is O(1) in the number of customers: a customer is a permuted Zipf
// rank, never a table entry.
#pragma once

#include <cstdint>
#include <string>

#include "engine/event/invoice_event.h"
#include "tools/loadgen/zipf.h"

namespace segstream::loadgen {

struct GeneratorOptions {
  uint64_t customers = 4000;
  uint64_t events = 100000;   // lines in total, malformed ones included
  uint64_t seed = 1;
  double zipf = 1.1;          // exponent of customer activity
  bool uniform = false;       // customers drawn uniformly instead (zipf ignored)
  // The first `customers` invoices visit every customer once (in a scattered
  // order), then invoices follow the distribution: a population that is all
  // seen early, for state-size benchmarks.
  bool cover = false;
  double return_rate = 0.02;  // share of invoices that are cancellations
  double bad_rate = 0;        // share of lines that are malformed
  bool drift = false;
  int64_t start = 1291161600;  // 2010-12-01T00:00:00Z
  double events_per_day = 1500;
  int max_lines = 10;         // lines per invoice: 1..max_lines
};

enum class Format { kJsonl, kCsv };

struct GeneratedLine {
  bool bad = false;
  int bad_kind = 0;     // which malformation (when bad)
  InvoiceEvent event;   // the line (when bad: the event it was derived from)
};

class InvoiceGenerator {
 public:
  explicit InvoiceGenerator(const GeneratorOptions& options);

  // The next line; false after options.events lines.
  bool Next(GeneratedLine* out);

  uint64_t emitted() const { return emitted_; }

 private:
  void StartInvoice();
  uint64_t PickCustomer();

  GeneratorOptions options_;
  Rng rng_;
  ZipfSampler zipf_;
  uint64_t multiplier_;  // the rank -> customer permutation: (r * multiplier_ + offset_) mod n
  uint64_t offset_;
  uint64_t emitted_ = 0;
  uint64_t invoices_ = 0;
  // The invoice being emitted.
  int lines_left_ = 0;
  bool is_return_ = false;
  std::string invoice_;
  std::string customer_id_;
  std::string country_;
  int64_t invoice_ts_ = 0;
};

// The CSV header of the Online Retail layout.
std::string CsvHeader();

// Appends `line` in `format` (without the newline).
void AppendLine(const GeneratedLine& line, Format format, std::string* out);

}  // namespace segstream::loadgen
