// Structured logs; see log.h.
#include "engine/util/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <string>

namespace segstream::log {
namespace {

std::atomic<bool> g_json{false};

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("segstream", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::debug);
    return l;
  }();
  return logger;
}

void AppendJsonString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void Log(spdlog::level::level_enum level, std::string_view code, std::string_view message) {
  auto& l = *Logger();
  if (!l.should_log(level)) return;
  std::string line;
  if (g_json.load(std::memory_order_relaxed)) {
    line = ",\"code\":";
    AppendJsonString(code, &line);
    line += ",\"msg\":";
    AppendJsonString(message, &line);
    line += '}';
  } else {
    line.assign(code).append(": ").append(message);
  }
  l.log(level, "{}", line);
}

}  // namespace

Status Init(std::string_view format, std::string_view level) {
  auto& l = *Logger();
  if (format == "json") {
    g_json = true;
    l.set_pattern("{\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",\"level\":\"%l\"%v", spdlog::pattern_time_type::utc);
  } else if (format == "text") {
    g_json = false;
    l.set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  } else {
    return Status::InvalidArgument("--log-format must be text or json, got '" + std::string(format) + "'");
  }
  if (level == "debug") l.set_level(spdlog::level::debug);
  else if (level == "info") l.set_level(spdlog::level::info);
  else if (level == "warn") l.set_level(spdlog::level::warn);
  else if (level == "error") l.set_level(spdlog::level::err);
  else return Status::InvalidArgument("--log-level must be debug, info, warn or error, got '" + std::string(level) + "'");
  return Status::OK();
}

void Info(std::string_view code, std::string_view message) { Log(spdlog::level::info, code, message); }
void Warn(std::string_view code, std::string_view message) { Log(spdlog::level::warn, code, message); }
void Error(std::string_view code, std::string_view message) { Log(spdlog::level::err, code, message); }

}  // namespace segstream::log
