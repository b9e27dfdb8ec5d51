// InvoiceGenerator and line formatting.
#include "tools/loadgen/generator.h"

#include <algorithm>
#include <array>
#include <numeric>

#include <fmt/format.h>

#include "connectors/decode/event_json.h"
#include "engine/util/time.h"

namespace segstream::loadgen {
namespace {

constexpr uint64_t kFirstCustomerId = 12346;  // like the UCI ids
constexpr uint64_t kFirstInvoice = 536365;
constexpr uint64_t kCatalogue = 3000;         // distinct stock codes

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  return x ^ (x >> 33);
}

constexpr std::array<const char*, 12> kAdjectives = {"WHITE", "RED", "VINTAGE", "PINK", "BLUE", "HANGING",
                                                     "GLASS", "RETRO", "PAPER", "GREEN", "LARGE", "SMALL"};
constexpr std::array<const char*, 12> kNouns = {"HEART T-LIGHT HOLDER", "LANTERN", "CAKE STAND", "BUNTING",
                                                "LUNCH BAG", "JUMBO BAG", "ALARM CLOCK", "TEA SET",
                                                "DOORMAT", "PHOTO FRAME", "CANDLE", "NAPKINS"};
constexpr std::array<const char*, 8> kOtherCountries = {"Germany", "France", "EIRE", "Spain",
                                                        "Netherlands", "Belgium", "Switzerland", "Portugal"};

}  // namespace

InvoiceGenerator::InvoiceGenerator(const GeneratorOptions& options)
    : options_(options), rng_(Mix(options.seed) ^ 0x5E65EAull), zipf_(options.customers, options.zipf) {
  const uint64_t n = std::max<uint64_t>(options_.customers, 1);
  // Any multiplier coprime with n makes r -> r * m + o (mod n) a bijection:
  // the most active customers get scattered ids, like real data.
  multiplier_ = Mix(options.seed + 1) % n;
  if (multiplier_ == 0) multiplier_ = 1;
  while (std::gcd(multiplier_, n) != 1) multiplier_ = multiplier_ % n + 1;
  offset_ = Mix(options.seed + 2) % n;
}

uint64_t InvoiceGenerator::PickCustomer() {
  const uint64_t n = std::max<uint64_t>(options_.customers, 1);
  uint64_t rank = 0;
  if (options_.cover && invoices_ < n) {
    rank = invoices_;  // a bijection of 0..n-1 below: each customer once
  } else if (options_.uniform) {
    rank = rng_.Below(n);
  } else {
    rank = zipf_.Sample(rng_) - 1;
  }
  uint64_t index = static_cast<uint64_t>(
      (static_cast<unsigned __int128>(rank) * multiplier_ + offset_) % n);
  if (options_.drift) {
    // After half the stream, half the customers (by a hash) fade out over the
    // next eighth; their activity moves to a new group of customers, so the
    // population's shape changes and the model has something to follow.
    const double progress = static_cast<double>(emitted_) / static_cast<double>(std::max<uint64_t>(options_.events, 1));
    if (progress > 0.5 && (Mix(index) & 1) == 0 && rng_.Chance(std::min(1.0, (progress - 0.5) * 8.0))) {
      index = n + (index / 2) % std::max<uint64_t>(n / 2, 1);
    }
  }
  return index;
}

void InvoiceGenerator::StartInvoice() {
  const uint64_t customer = PickCustomer();
  is_return_ = rng_.Chance(options_.return_rate);
  invoice_ = fmt::format("{}{}", is_return_ ? "C" : "", kFirstInvoice + invoices_);
  ++invoices_;
  customer_id_ = fmt::format("{}", kFirstCustomerId + customer);
  const uint64_t h = Mix(customer ^ 0xC0FFEE);
  country_ = h % 10 == 0 ? kOtherCountries[(h / 10) % kOtherCountries.size()] : "United Kingdom";
  // Event time advances with the line count: events_per_day lines per day.
  // Whole minutes, like the UCI data (its CSV dates have no seconds).
  invoice_ts_ = options_.start + static_cast<int64_t>(static_cast<double>(emitted_) * 86400.0 / options_.events_per_day);
  invoice_ts_ -= ((invoice_ts_ % 60) + 60) % 60;
  lines_left_ = is_return_ ? 1 : 1 + static_cast<int>(rng_.Below(std::max(options_.max_lines, 1)));
}

bool InvoiceGenerator::Next(GeneratedLine* out) {
  if (emitted_ >= options_.events) return false;
  if (lines_left_ == 0) StartInvoice();
  --lines_left_;
  const uint64_t item = rng_.Below(kCatalogue);
  const uint64_t hi = Mix(item);
  InvoiceEvent& e = out->event;
  e.invoice = invoice_;
  e.stock_code = fmt::format("{}{}", 20000 + item * 7 % 70000, item % 5 == 0 ? "A" : "");
  e.description = fmt::format("{} {}", kAdjectives[hi % kAdjectives.size()], kNouns[(hi >> 8) % kNouns.size()]);
  e.customer_id = customer_id_;
  e.country = country_;
  const int64_t quantity = rng_.Chance(0.2) ? 12 * (1 + static_cast<int64_t>(rng_.Below(4)))
                                            : 1 + static_cast<int64_t>(rng_.Below(12));
  e.quantity = is_return_ ? -quantity : quantity;
  e.unit_price_milli = 290 + static_cast<int64_t>((hi >> 16) % 2000) * 10;
  e.invoice_ts = invoice_ts_;
  out->bad = options_.bad_rate > 0 && rng_.Chance(options_.bad_rate);
  out->bad_kind = out->bad ? static_cast<int>(rng_.Below(4)) : 0;
  ++emitted_;
  return true;
}

std::string CsvHeader() { return "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"; }

namespace {

// "12/1/2010 8:26", the Online Retail date format.
std::string UciDate(int64_t ts) {
  const std::string iso = FormatIso8601(ts);  // 2010-12-01T08:26:00Z
  const int year = std::stoi(iso.substr(0, 4));
  const int month = std::stoi(iso.substr(5, 2));
  const int day = std::stoi(iso.substr(8, 2));
  const int hour = std::stoi(iso.substr(11, 2));
  return fmt::format("{}/{}/{} {}:{}", month, day, year, hour, iso.substr(14, 2));
}

void AppendCsv(const InvoiceEvent& e, std::string_view quantity, std::string_view date, std::string* out) {
  std::string price;
  AppendMilli(e.unit_price_milli, &price);
  fmt::format_to(std::back_inserter(*out), "{},{},{},{},{},{},{},{}", e.invoice, e.stock_code, e.description, quantity,
                 date, price, e.customer_id, e.country);
}

}  // namespace

void AppendLine(const GeneratedLine& line, Format format, std::string* out) {
  const InvoiceEvent& e = line.event;
  if (format == Format::kJsonl) {
    if (!line.bad) {
      AppendEventJson(e, out);
      return;
    }
    std::string json;
    AppendEventJson(e, &json);
    switch (line.bad_kind) {
      case 0:  // truncated document
        out->append(json, 0, json.size() / 2);
        break;
      case 1: {  // quantity as text
        const std::string from = fmt::format("\"quantity\":{},", e.quantity);
        const size_t at = json.find(from);
        out->append(at == std::string::npos ? json : json.replace(at, from.size(), "\"quantity\":\"12x\","));
        break;
      }
      case 2: {  // impossible date
        const std::string iso = FormatIso8601(e.invoice_ts);
        const size_t at = json.find(iso);
        out->append(at == std::string::npos ? json : json.replace(at, iso.size(), "2011-02-30T25:00:00Z"));
        break;
      }
      default:
        out->append("not json at all");
    }
    return;
  }
  const std::string quantity = fmt::format("{}", e.quantity);
  if (!line.bad) {
    AppendCsv(e, quantity, UciDate(e.invoice_ts), out);
    return;
  }
  switch (line.bad_kind) {
    case 0:
      fmt::format_to(std::back_inserter(*out), "{},{},{}", e.invoice, e.stock_code, quantity);  // too few fields
      break;
    case 1:
      AppendCsv(e, "12x", UciDate(e.invoice_ts), out);
      break;
    case 2:
      AppendCsv(e, quantity, "2/30/2011 25:00", out);
      break;
    default:
      fmt::format_to(std::back_inserter(*out), "{},\"unterminated,{},{}", e.invoice, e.stock_code, quantity);
  }
}

}  // namespace segstream::loadgen
