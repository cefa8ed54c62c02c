#include "loadgen/url.h"

#include <charconv>

namespace wpm::loadgen {
namespace {

Error usage(std::string_view text, const std::string& why) {
  return Error{"invalid target URL '" + std::string(text) + "': " + why, kExitUsage};
}

bool bracketed(const std::string& host) { return host.find(':') != std::string::npos; }

// Splits "host[:port]" / "[v6][:port]" into host and port.
Result<TargetUrl> parse_authority(std::string_view text, std::string_view authority) {
  TargetUrl url;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return usage(text, "unterminated '[' in host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return usage(text, "garbage after ']'");
    if (!rest.empty()) port_text = rest.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return usage(text, "empty host");
  if (authority.find(':') != std::string_view::npos && port_text.empty()) {
    return usage(text, "empty port");
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return usage(text, "port must be 1..65535");
    }
    url.port = static_cast<uint16_t>(value);
  }
  return url;
}

}  // namespace

std::string TargetUrl::host_header() const {
  std::string h = bracketed(host) ? "[" + host + "]" : host;
  return port == 80 ? h : h + ":" + std::to_string(port);
}

std::string TargetUrl::str() const {
  std::string h = bracketed(host) ? "[" + host + "]" : host;
  return "http://" + h + ":" + std::to_string(port) + path;
}

Result<TargetUrl> parse_target_url(std::string_view text) {
  constexpr std::string_view kScheme = "http://";
  std::string_view rest = text;
  if (rest.size() >= 8 && (rest.substr(0, 8) == "https://" || rest.substr(0, 8) == "HTTPS://")) {
    return usage(text, "https is not supported (plain http only)");
  }
  if (rest.size() < kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), rest.begin(),
                  [](char a, char b) { return a == (b | 0x20) || a == b; })) {
    return usage(text, "must start with http://");
  }
  rest.remove_prefix(kScheme.size());
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) return usage(text, "credentials are not supported");
  Result<TargetUrl> url = parse_authority(text, authority);
  if (!url) return url;
  if (slash != std::string_view::npos) {
    url->path = std::string(rest.substr(slash));
    if (url->path.front() == '?') url->path.insert(url->path.begin(), '/');  // "?q" means "/?q"
  }
  for (char c : url->path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return usage(text, "space or control character in path");
  }
  return url;
}

}  // namespace wpm::loadgen
