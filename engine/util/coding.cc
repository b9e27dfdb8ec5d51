// Byte encodings; see coding.h.
#include "engine/util/coding.h"

#include <cstring>

namespace segstream {
namespace {
uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }
}  // namespace

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutSignedVarint(std::string* out, int64_t v) { PutVarint(out, ZigZag(v)); }
void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutBigEndian64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetBigEndian64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
  return v;
}
void PutDouble(std::string* out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutFixed64(out, bits);
}
void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

bool Decoder::GetVarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !data_.empty(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(data_[0]);
    data_.remove_prefix(1);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}
bool Decoder::GetSignedVarint(int64_t* v) {
  uint64_t u;
  if (!GetVarint(&u)) return false;
  *v = UnZigZag(u);
  return true;
}
bool Decoder::GetFixed32(uint32_t* v) {
  if (data_.size() < 4) return false;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r |= static_cast<uint32_t>(static_cast<uint8_t>(data_[i])) << (8 * i);
  data_.remove_prefix(4);
  *v = r;
  return true;
}
bool Decoder::GetFixed64(uint64_t* v) {
  if (data_.size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(static_cast<uint8_t>(data_[i])) << (8 * i);
  data_.remove_prefix(8);
  *v = r;
  return true;
}
bool Decoder::GetDouble(double* v) {
  uint64_t bits;
  if (!GetFixed64(&bits)) return false;
  std::memcpy(v, &bits, sizeof bits);
  return true;
}
bool Decoder::GetBytes(std::string_view* s) {
  uint64_t n;
  if (!GetVarint(&n) || n > data_.size()) return false;
  *s = data_.substr(0, n);
  data_.remove_prefix(n);
  return true;
}
bool Decoder::GetByte(uint8_t* b) {
  if (data_.empty()) return false;
  *b = static_cast<uint8_t>(data_[0]);
  data_.remove_prefix(1);
  return true;
}

}  // namespace segstream
