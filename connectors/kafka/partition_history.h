// Who processed a partition: the check that keeps an instance from
// publishing a partition's data without the partition's history.
//
// Every offset a segstream instance commits carries its state's id as
// metadata ("segstream:<id>", rdk::CommitMetadata; state/instance_id.h). A
// partition that another instance of the group committed beyond this
// state's position was processed by that instance into its own state; this
// one lacks those customers' history, and moving a partition's state
// between instances is not built yet (docs/kafka.md, "More than one
// instance"). Not refused: a commit of this instance's own ahead of its
// state (the exactly-once crash window, which the engine re-applies), and a
// commit without segstream metadata (an offset reset by a tool: the
// operator's decision).
//
// And a second check for instances that start together on a fresh group,
// where no commit tells them apart: CheckWholeTopicAssigned.
//
// Thread safety: called from the consumer's rebalance callback.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>

#include "connectors/kafka/kafka_options.h"
#include "engine/util/status.h"

namespace segstream {

// Reads the group's committed offsets of `parts` (blocking, the group
// coordinator answers) and checks them against `stored` (partition -> the
// state's next offset; absent: never consumed). OK when options.instance_id
// is empty. NotSupported, naming the partition, the other instance and both
// offsets, when one is refused; Unavailable when the committed offsets
// cannot be read.
//
// A partition this instance committed although its state holds no position
// of it is set to start at the beginning (its offset in `parts` becomes
// RD_KAFKA_OFFSET_BEGINNING, and a warning is logged): the exactly-once crash
// window on a partition's first batch (the transaction committed the offset,
// the state commit died). Starting it at the group's offset would skip every
// record before it; the engine re-applies the published records instead.
Status CheckPartitionHistory(rd_kafka_t* consumer, rd_kafka_topic_partition_list_t* parts,
                             const std::map<int32_t, int64_t>& stored, const KafkaOptions& options);

// The first assignment a consumer receives must be the whole input topic:
// when it is not, another member of the group holds the rest, and each
// instance would train and publish its own model on its share (moving state
// and sharing one model between instances is not built yet). Checked once
// per consumer, on its first non-empty assignment only: an instance that held the
// whole topic keeps running when a newcomer takes partitions from it (the
// newcomer is refused and leaves, and they come back). Two instances that
// start together on a fresh group are both refused; restart one.
// NotSupported, naming the group, the partitions assigned and the topic's
// count; Unavailable when the topic's metadata cannot be read (blocking up
// to 30 s).
Status CheckWholeTopicAssigned(rd_kafka_t* consumer, const rd_kafka_topic_partition_list_t* parts,
                               const KafkaOptions& options);

}  // namespace segstream
