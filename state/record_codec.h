// Binary encodings of the records kept in RocksDB (documented in
// state/FORMAT.md). Every value starts with a format byte so a newer
// layout is detected instead of misread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/rfm/customer_record.h"
#include "engine/util/status.h"

namespace segstream {

std::string EncodeCustomer(const CustomerRecord& r);
Status DecodeCustomer(std::string_view data, CustomerRecord* r);

std::string EncodeInvoice(const InvoiceRecord& r);
Status DecodeInvoice(std::string_view data, InvoiceRecord* r);

// Invoice key: customer id, NUL, invoice.
std::string InvoiceKey(std::string_view customer_id, std::string_view invoice);
// Change key: customer id, NUL, big-endian seq (so a reverse scan is newest-first).
std::string ChangeKey(std::string_view customer_id, uint64_t seq);

// Little helpers shared by the meta encodings.
void PutVarint(std::string* out, uint64_t v);
void PutSignedVarint(std::string* out, int64_t v);   // zigzag
void PutFixed64(std::string* out, uint64_t v);
void PutDouble(std::string* out, double v);           // raw IEEE bits, little-endian
void PutBytes(std::string* out, std::string_view s);  // varint length + bytes

// A cursor over an encoded value; every Get* returns false on truncation.
class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}
  bool GetVarint(uint64_t* v);
  bool GetSignedVarint(int64_t* v);
  bool GetFixed64(uint64_t* v);
  bool GetDouble(double* v);
  bool GetBytes(std::string_view* s);
  bool GetByte(uint8_t* b);
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

}  // namespace segstream
