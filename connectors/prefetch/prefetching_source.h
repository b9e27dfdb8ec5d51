// PrefetchingSource: runs another Source's Poll on a thread of its own, a
// few batches ahead of the pipeline, so reading and decoding the next batch
// (librdkafka polls and JSON parsing, or gunzip and CSV parsing) overlaps
// with the engine applying and committing the current one.
//
// The inner source is only ever used from the prefetch thread once the
// first Poll started it: CommitDurable is handed over to that thread, and
// Lag()/Ready() answer from values that thread refreshes after every Poll.
// So a source written for one thread (KafkaSource, FileSource) needs no
// extra locking.
//
// Records are handed out in the order and batches in which the inner
// source produced them. Batches read ahead but never returned (the pipeline
// stopped) are dropped with the decorator: their positions were never
// committed, so a restart reads them again.
//
// Batch sizes: each batch is read with the max_records of the newest Poll
// at the time it is read, so after the pipeline changes its batch size the
// `depth` batches already read ahead keep the old one (a batch may then be
// larger than its Poll asked for).
#pragma once

#include <cstddef>
#include <memory>

#include "engine/event/source.h"

namespace segstream {

// Wraps `inner`; `depth` is how many batches may wait ready-made (>= 1).
std::unique_ptr<Source> MakePrefetchingSource(std::unique_ptr<Source> inner, size_t depth = 2);

}  // namespace segstream
