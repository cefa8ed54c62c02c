// One URL parser for wpm's HTTP clients (the load generator's --target, the Pushgateway
// client's --url and --scrape): scheme http or https, optional userinfo, a host (name, IPv4 or
// [IPv6]) with an optional port, then path and query. What a caller accepts (https? userinfo?
// a query?) is its own policy, applied to the parsed form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wpm {

struct Url {
  std::string scheme;          // "http" or "https", lower-case
  bool has_userinfo = false;   // "user[:password]@" was given
  std::string user, password;  // percent-decoded
  std::string host;            // without the brackets of an IPv6 literal
  uint16_t port = 0;           // as written, or the scheme's default (80, 443)
  std::string path;            // path and query as written, "" when absent
  bool has_fragment = false;   // a "#…" was given (and is not part of path)

  std::string authority() const;  // "host:port", an IPv6 host bracketed
  std::string origin() const;     // "scheme://host:port"
};

// Errors (exit code kExitUsage) give the reason only, e.g. "port must be 1..65535": the caller
// quotes the URL as it may show it (redacted when it can hold credentials).
Result<Url> parse_url(std::string_view text);

// "[::1]" for an IPv6 literal, the host unchanged otherwise.
std::string bracketed_host(std::string_view host);

}  // namespace wpm
