#include "core/options.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

namespace wpm {

std::string HostPort::str() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

namespace {

// An IPv4 literal or a host name: letters, digits, '-' and '.' (an IPv6 literal needs brackets).
bool plain_host(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

}  // namespace

bool parse_host_port(const std::string& text, HostPort& out) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    in6_addr v6{};
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  } else if (host.empty()) {
    host = "127.0.0.1";
  } else if (!plain_host(host)) {
    return false;
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535)
    return false;
  out.host = host;
  out.port = static_cast<uint16_t>(value);
  return true;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "info";
}

}  // namespace wpm
