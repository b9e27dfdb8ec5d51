// HistogramLog: how the population histograms (last purchase, frequency,
// monetary; analytics.h) are kept in the store. A checkpoint of all three
// plus a log of per-commit deltas, the changelog pattern of a
// Kafka Streams state store applied to one meta value:
//   "analytics/hc"                      the checkpoint: every bucket's count
//   "analytics/hd/<8 bytes big-endian>" one commit's delta: the new count of
//                                       each bucket it changed (0: erased)
// (state/FORMAT.md has the encodings). A commit writes one delta key however
// many buckets it changed: format 6 wrote one key per changed bucket, which
// was 31 % of the state's write operations on a 100k-customer stream. Once
// the deltas since the checkpoint outweigh it (bytes), or number
// kMaxDeltas, or a histogram coarsened (every bucket renamed), the commit
// writes a new checkpoint and deletes the deltas instead. So loading reads
// at most about twice the checkpoint's bytes (and at most kMaxDeltas + 1
// keys), and the checkpoints cost, amortised over the commits, at most as
// many bytes as their deltas, or a kMaxDeltas-th of a checkpoint per commit
// when the deltas are smaller than that (a stream committing a line at a
// time).
//
// Loading also reads the format-6 layout (one key per bucket,
// "analytics/h/<l|f|m>/<8 bytes>", and the shifts "analytics/hs/<l|f|m>")
// when there is no checkpoint or delta; the next commit then writes a
// checkpoint and deletes those keys (the migration from format 6).
//
// Counts are absolute, so replaying a delta is idempotent, and exact: the
// histograms load back equal, bucket for bucket, shift for shift.
//
// Not thread-safe: owned by one Analytics instance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/analytics/rfm_scores.h"
#include "engine/util/status.h"
#include "state/state_store.h"

namespace segstream::analytics {

// One histogram and the letter that names it in the keys (l, f or m).
struct NamedHistogram {
  char name;
  ValueHistogram* histogram;
};

class HistogramLog {
 public:
  // Deltas kept before a checkpoint, however small they are (a Kafka
  // stream committing a line at a time): bounds the keys a load reads.
  static constexpr uint64_t kMaxDeltas = 65536;

  // Loads the checkpoint, then the deltas in commit order, into the (empty)
  // `histograms`; or, with neither present, the format-6 keys. One range
  // scan reads them all, so a reader beside a running engine (the live
  // page) sees one commit's state, never a checkpoint from one commit and
  // the deltas of another. Corruption when a key or value does not parse or
  // both layouts are present; NotSupported for a newer format.
  Status Load(StateStore* store, const std::vector<NamedHistogram>& histograms);

  // Takes the histograms' changes since the last call (TakeChanges) and puts
  // into `w` either one delta key or a checkpoint and the deletion of the
  // deltas (and of format-6 keys). Nothing when nothing changed. The changes
  // are taken: if `w` is not committed, the histograms and the store differ
  // and the owner must Load again (the pipeline stops on a failed commit).
  void BuildCommit(const std::vector<NamedHistogram>& histograms, StateWrite* w);
  // The store committed the last BuildCommit.
  void OnCommitted();

  // For tests and the benchmark: the deltas since the checkpoint.
  uint64_t deltas() const { return committed_.next_delta - committed_.first_delta; }

 private:
  // State as committed, and as it will be once the last BuildCommit is
  // (pending_: BuildCommit starts it from committed_; Load sets both).
  struct Position {
    uint64_t first_delta = 0;       // the oldest delta key not yet deleted
    uint64_t next_delta = 0;        // the number the next delta key gets
    uint64_t delta_bytes = 0;       // bytes of the deltas since the checkpoint
    uint64_t checkpoint_bytes = 0;  // bytes of the checkpoint (0: none)
    bool legacy = false;            // format-6 keys are still stored
  };
  Position committed_, pending_;
};

}  // namespace segstream::analytics
