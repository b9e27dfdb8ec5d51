// Changelog restore: before the engine loads its state, makes the --state
// directory agree with the state's changelog topic (state/changelog.h).
//
// The meta key `changelog_topic` (never logged) records which topic a state
// logs to; while a full restore is under way it reads "restoring:" + the
// topic, so a restore that dies is started again from the beginning. Each
// state commit also stores how far this copy holds the changelog: the next
// offset of every changelog partition its producer wrote (the local meta keys
// "sink/changelog/<p>", KafkaSink::Offsets), the Kafka Streams checkpoint.
//
// Not thread-safe; runs once, before the pipeline starts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "connectors/kafka/kafka_options.h"
#include "engine/event/sink.h"  // SinkOffsets
#include "engine/observe/observer.h"  // RestoreProgress
#include "engine/util/status.h"
#include "state/state_store.h"

namespace segstream {

struct ChangelogRestoreStats {
  bool full = false;     // an empty (or interrupted) state restored from the beginning
  uint64_t records = 0;  // records applied (a tail restore: those the state lacked)
  double seconds = 0;
};

// The state's stored sink offsets (SegmentEngine::StoredSinkOffsets).
using StoredSinkOffsetsFn = std::function<Result<SinkOffsets>()>;
// Receives a restore's progress: when it starts, about once a second, and
// when it is done (engine/observe/observer.h). Called on the calling thread.
using RestoreProgressFn = std::function<void(const RestoreProgress&)>;

// With options.changelog: creates the changelog topic when missing
// (EnsureChangelogTopic), then
// - a state that logs to options.changelog_topic: aborts a transaction its
//   own previous run left open (init_transactions with its transactional.id)
//   and applies the changelog's committed records past its stored offsets:
//   none after a clean stop; the last batch after a crash between a
//   transaction's commit and the state's; everything another instance
//   committed since this disk last ran. A partition without a stored offset
//   is read from its beginning (this state never logged to it); one whose
//   log now starts past its offset makes it a full restore. The offsets
//   reached are stored;
// - an empty state (no logged key), or one whose full restore was
//   interrupted: deletes the logged keys, reads every partition from the
//   beginning, and marks the state as logging to the topic (a full restore);
// - any other state: InvalidArgument (it was not logged from its start, or
//   logs to another topic), saying what to do.
// Reading stops, per partition, at the first end of the committed records
// (read_committed: the last stable offset) at or past the end the partition
// had when the restore started, so a transaction is applied whole or not at
// all; an open one is waited for until it commits or the broker aborts it
// (transaction.timeout.ms). While the brokers are unreachable it waits,
// logging progress every 5 s (as the sink's Flush does).
// Without options.changelog: InvalidArgument when the state logs to a
// changelog (running without it, Kafka or file input, would leave the topic
// behind the state); otherwise nothing.
// Corruption when a record is not a state change; IOError when a partition
// cannot be read; InvalidArgument when the topic ends before a stored offset
// (it was deleted or re-created: restoring from it would lose state).
// `on_progress` (optional) sees every read of the topic: a tail restore that
// finds the log moved reports done, then the full restore starts over.
// `stop` (optional): once set, reading stops within 200 ms and Aborted is
// returned; what was applied stays, and the next start restores again (a
// full restore from the beginning, a tail from the stored offsets).
Result<ChangelogRestoreStats> PrepareChangelogState(const KafkaOptions& options, StateStore* store,
                                                    const StoredSinkOffsetsFn& stored_offsets,
                                                    const RestoreProgressFn& on_progress = {},
                                                    const std::atomic<bool>* stop = nullptr);

}  // namespace segstream
