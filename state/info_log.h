// InfoLog: RocksDB's informational LOG file, written by segstream instead
// of RocksDB's own EnvLogger.
//
// Why: on a full disk the EnvLogger's first failed append leaves its file
// writer in an error state, and the next log line (RocksDB logs the very
// background error that the full disk caused) trips an assertion in
// Debian's RocksDB 7.8 (`sync_without_flush_called_`, SIGABRT), so a
// segstream that should exit 1 with a message died with 134. This logger
// writes `DIR/LOG` with stdio and treats every write failure as "stop
// logging": the LOG is diagnostics, never state, and may lose lines.
//
// Thread-safe: RocksDB calls Logv from its background threads; a mutex
// serialises the writes.
#pragma once

#include <memory>
#include <string>

#include <rocksdb/env.h>

namespace segstream {

// Opens (appends to) `path`. Never fails: when the file cannot be opened the
// logger discards every line.
std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& path, rocksdb::InfoLogLevel level);

}  // namespace segstream
