#include "connectors/decode/avro_allocator.h"

#include <avro.h>

#include <cstdlib>
#include <mutex>

namespace segstream::decode {
namespace {

thread_local std::unordered_set<void*>* tracked = nullptr;

void* BoundedAllocator(void*, void* ptr, size_t, size_t nsize) {
  if (nsize == 0) {
    if (tracked != nullptr && ptr != nullptr) tracked->erase(ptr);
    std::free(ptr);
    return nullptr;
  }
  if (nsize > kMaxAvroAllocation) return nullptr;
  void* p = std::realloc(ptr, nsize);
  if (tracked != nullptr && p != nullptr) {
    if (ptr != nullptr) tracked->erase(ptr);
    tracked->insert(p);
  }
  return p;
}

}  // namespace

void InstallBoundedAvroAllocator() {
  static std::once_flag once;
  std::call_once(once, [] { avro_set_allocator(BoundedAllocator, nullptr); });
}

void TrackAvroAllocations(std::unordered_set<void*>* into) { tracked = into; }

}  // namespace segstream::decode
