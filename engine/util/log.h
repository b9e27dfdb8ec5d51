// Structured logs (issue 13): one line per event on stderr through spdlog,
// as text or JSON (--log-format), filtered by level (--log-level), each with
// a stable code from the table in docs/logs.md so alerts and log queries
// can match on it instead of on wording. The progress line (pipeline.cc)
// stays a terminal-only \r line outside the log.
//
// JSON lines: {"ts":"2026-12-01T01:02:03.456Z","level":"error",
//              "code":"state_open_failed","msg":"..."} (RFC 8259 strings).
// Text lines: 2026-12-01T01:02:03.456Z error state_open_failed: ...
// Messages never carry secrets: callers pass file names, not their contents
// (the HTTP tokens are never logged).
//
// Thread safety: every function may be called from any thread (spdlog's
// logger is mutex-protected); Init is meant for main() before threads start.
#pragma once

#include <string_view>

#include "engine/util/status.h"

namespace segstream::log {

// format: "text" (default) or "json"; level: debug, info, warn, error.
Status Init(std::string_view format, std::string_view level);

void Info(std::string_view code, std::string_view message);
void Warn(std::string_view code, std::string_view message);
void Error(std::string_view code, std::string_view message);

}  // namespace segstream::log
