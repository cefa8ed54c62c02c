// `--target URL`: the http://host[:port][/path][?query] a load run is aimed at.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wpm::loadgen {

struct TargetUrl {
  std::string host;  // name, IPv4 literal or IPv6 literal (without brackets)
  uint16_t port = 80;
  std::string path = "/";  // path plus query, always starting with '/'
  std::string host_header() const;  // "host[:port]" as sent in Host (port omitted when 80)
  std::string str() const;          // canonical "http://host:port/path"
};

// core's parse_url with the load generator's policy: plain http only (https and credentials
// are usage errors, exit 2), a fragment is dropped, no path means "/". Errors quote the input.
Result<TargetUrl> parse_target_url(std::string_view text);

}  // namespace wpm::loadgen
