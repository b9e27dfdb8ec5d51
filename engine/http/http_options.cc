// ParseHttpAddress: the `--http` flag's grammar (see http_options.h).
#include "engine/http/http_options.h"

#include <charconv>
#include <string>

namespace segstream {

Result<HttpOptions> ParseHttpAddress(std::string_view text) {
  if (text.empty() || text == "none" || text == "off") {
    return Status::NotFound("HTTP server disabled");
  }
  const auto bad = [&](const char* why) {
    return Status::InvalidArgument("--http '" + std::string(text) + "': " + why +
                                   " (expected HOST:PORT, :PORT or none)");
  };
  HttpOptions opts;
  std::string_view host;
  std::string_view port;
  if (text.front() == '[') {  // [v6-address]:port
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("unterminated IPv6 address");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("IPv6 addresses need brackets");
  }
  int value = -1;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 0 ||
      value > 65535) {
    return bad("port must be a number in 0..65535");
  }
  for (char c : host) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '.' || c == '-' || c == ':' || c == '_';
    if (!ok) return bad("invalid character in host");
  }
  opts.host = host.empty() ? "0.0.0.0" : std::string(host);
  opts.port = value;
  return opts;
}

}  // namespace segstream
