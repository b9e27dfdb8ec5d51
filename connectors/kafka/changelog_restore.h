// Changelog restore: before the engine loads its state, makes the --state
// directory agree with the state's changelog topic (state/changelog.h).
//
// The meta key `changelog_topic` (never logged) records which topic a state
// logs to; while a restore is under way it reads "restoring:" + the topic, so
// a restore that dies is started again from the beginning (re-applying the
// whole log over part of it converges on the same state).
//
// Not thread-safe; runs once, before the pipeline starts.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "connectors/kafka/kafka_options.h"
#include "engine/event/invoice_event.h"  // Position
#include "engine/util/status.h"
#include "state/state_store.h"

namespace segstream {

struct ChangelogRestoreStats {
  bool restored = false;  // false: the state already logs to this topic and is current
  uint64_t records = 0;   // records applied
  double seconds = 0;
};

// The state's positions on the input topic (SegmentEngine::StoredPositions).
using StoredPositionsFn = std::function<Result<std::vector<Position>>()>;

// With options.changelog: creates the changelog topic when missing
// (EnsureChangelogTopic), then
// - a state that logs to options.changelog_topic already, with positions at
//   or past every offset the group committed: nothing to do;
// - such a state behind a committed offset (a crash between a transaction's
//   commit and the state's, or another instance ran on since this disk's
//   last run): the changelog holds what the transactions committed, so the
//   logged keys are deleted and the state is restored from the changelog, as
//   Kafka Streams does after an unclean exactly-once shutdown. (Re-applying
//   the records locally would rebuild the RFM but could group them into
//   different micro-batches, so model details could differ from what the
//   changelog holds.)
// - an empty state (no logged key; a restore that died): reads every
//   partition of the topic from the beginning to its end (read_committed, so
//   aborted transactions are skipped and an open one is waited for) into the
//   store, committing as it goes, and marks the state as logging to it;
// - any other state: InvalidArgument (it was not logged from its start, or
//   logs to another topic), saying what to do.
// Without options.changelog: InvalidArgument when the state logs to a
// changelog (running without it would leave the topic behind the state, and
// a later restore would bring back an old state); otherwise nothing.
// Progress is logged every 5 s. Unavailable when the brokers do not answer;
// Corruption when a record is not a state change.
Result<ChangelogRestoreStats> PrepareChangelogState(const KafkaOptions& options, StateStore* store,
                                                    const StoredPositionsFn& stored_positions);

}  // namespace segstream
