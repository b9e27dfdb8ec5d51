// LoadOrCreateInstanceId; see instance_id.h.
#include "state/instance_id.h"

#include <random>

namespace segstream {
namespace {

constexpr const char* kInstanceIdKey = "instance_id";

bool IsHexId(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<std::string> LoadOrCreateInstanceId(StateStore* store) {
  std::string id;
  Status s = store->Get(Column::kMeta, kInstanceIdKey, &id);
  if (s.ok()) {
    if (!IsHexId(id)) return Status::Corruption("bad instance id in the state meta: \"" + id + "\"");
    return id;
  }
  if (s.code() != Status::Code::kNotFound) return s;
  std::random_device random;  // the kernel's CSPRNG (/dev/urandom) on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  id.clear();
  for (int i = 0; i < 4; ++i) {  // 4 x 32 random bits, 8 hex digits each
    const uint32_t r = random();
    for (int j = 0; j < 8; ++j) id.push_back(kHex[(r >> (4 * j)) & 0xf]);
  }
  StateWrite w;
  w.Put(Column::kMeta, kInstanceIdKey, id);
  SEGSTREAM_RETURN_IF_ERROR(store->Commit(w));
  return id;
}

}  // namespace segstream
