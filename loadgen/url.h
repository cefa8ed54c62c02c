// `--target URL`: the http(s)://host[:port][/path][?query] a load run is aimed at.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wpm::loadgen {

struct TargetUrl {
  bool https = false;
  std::string host;  // name, IPv4 literal or IPv6 literal (without brackets)
  uint16_t port = 80;  // as written, or 80 / 443
  std::string path = "/";  // path plus query, always starting with '/'
  std::string host_header() const;  // "host[:port]" as sent in Host (port omitted when the scheme's)
  std::string str() const;          // canonical "http(s)://host:port/path"
};

// core's parse_url with the load generator's policy: http or https (credentials are a usage
// error, exit 2), a fragment is dropped, no path means "/". Errors quote the input.
Result<TargetUrl> parse_target_url(std::string_view text);

}  // namespace wpm::loadgen
