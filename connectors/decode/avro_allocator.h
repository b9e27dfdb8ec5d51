// The avro-c allocator segstream installs, against two faults of avro-c 1.11
// on hostile input (connectors/decode/avro_decoder.cc is its only user):
//
// - avro-c allocates a string or bytes value by the length the input claims
//   before reading it; a corrupt length would ask for exabytes. The
//   allocator refuses any single block larger than a Kafka record can be
//   (kMaxAvroAllocation, 16 MiB), so avro-c fails with an error instead.
// - avro-c leaks the buffer of a string or bytes value whose read fails
//   half-way (read_string/read_bytes return without freeing it). While a
//   record is read, the caller has this thread's allocations recorded
//   (TrackAvroAllocations); after a failed read it destroys the value (which
//   frees everything it owns) and frees whatever is still recorded: the leak.
//
// Thread-safety: installing is once per process (std::call_once); tracking
// is per thread.
#pragma once

#include <cstddef>
#include <unordered_set>

namespace segstream::decode {

inline constexpr size_t kMaxAvroAllocation = 16u << 20;

// Makes every avro-c allocation go through the bounded allocator. Idempotent.
void InstallBoundedAvroAllocator();

// Records this thread's live avro-c blocks in `*into` from now on (a block
// freed is erased); nullptr stops recording. `*into` must outlive the
// recording.
void TrackAvroAllocations(std::unordered_set<void*>* into);

}  // namespace segstream::decode
