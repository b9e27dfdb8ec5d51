// Byte encodings shared by every binary format segstream stores: LEB128
// varints (zigzag for signed), little-endian fixed-width integers,
// big-endian 64-bit integers for keys (bytewise order == numeric order), raw
// IEEE-754 doubles (bit-exact round trips), length-prefixed bytes, and a
// bounds-checked Decoder whose every Get* returns false instead of reading
// past the end. The formats built on them are documented in state/FORMAT.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace segstream {

void PutVarint(std::string* out, uint64_t v);
void PutSignedVarint(std::string* out, int64_t v);   // zigzag
void PutFixed32(std::string* out, uint32_t v);
void PutFixed64(std::string* out, uint64_t v);
void PutDouble(std::string* out, double v);           // raw IEEE bits, little-endian
void PutBytes(std::string* out, std::string_view s);  // varint length + bytes
// 8 bytes, most significant first: keys sort bytewise as the numbers do.
void PutBigEndian64(std::string* out, uint64_t v);
// REQUIRES: in.size() >= 8. Reads the first 8 bytes.
uint64_t GetBigEndian64(std::string_view in);

class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}
  bool GetByte(uint8_t* b);
  bool GetVarint(uint64_t* v);
  bool GetSignedVarint(int64_t* v);
  bool GetFixed32(uint32_t* v);
  bool GetFixed64(uint64_t* v);
  bool GetDouble(double* v);
  bool GetBytes(std::string_view* s);
  size_t remaining() const { return data_.size(); }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

}  // namespace segstream
