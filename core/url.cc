#include "core/url.h"

#include <charconv>

#include "core/text.h"

namespace wpm {
namespace {

Error usage(std::string why) { return Error{std::move(why), kExitUsage}; }

// "%40" → '@'; a '%' not followed by two hex digits stays as written.
std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = i + 2 < s.size() && s[i] == '%' ? hex_digit(s[i + 1]) : -1;
    int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
    if (lo < 0) {
      out.push_back(s[i]);
      continue;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

void split_userinfo(std::string_view& authority, Url& u) {
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return;
  std::string_view info = authority.substr(0, at);
  size_t colon = info.find(':');
  u.has_userinfo = true;
  u.user = percent_decode(info.substr(0, colon));
  if (colon != std::string_view::npos) u.password = percent_decode(info.substr(colon + 1));
  authority.remove_prefix(at + 1);
}

// "host[:port]" or "[v6][:port]" into u.host and u.port.
Status split_host_port(std::string_view authority, Url& u) {
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return usage("unterminated '[' in the host");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return usage("unexpected text after ']'");
    has_port = !rest.empty();
    if (has_port) port = rest.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return usage("empty host");
  if (!has_port) {
    u.port = u.scheme == "https" ? 443 : 80;
    return {};
  }
  if (port.empty()) return usage("empty port after ':'");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
    return usage("port must be 1..65535");
  u.port = static_cast<uint16_t>(value);
  return {};
}

}  // namespace

std::string bracketed_host(std::string_view host) {
  std::string out;
  bool v6 = host.find(':') != std::string_view::npos;
  if (v6) out.push_back('[');
  out.append(host);
  if (v6) out.push_back(']');
  return out;
}

std::string Url::authority() const { return bracketed_host(host) + ":" + std::to_string(port); }

std::string Url::origin() const { return scheme + "://" + authority(); }

Result<Url> parse_url(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return usage("space or control character in the URL");
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return usage("expected http://HOST[:PORT] or https://…");
  Url u;
  u.scheme = ascii_lowercase(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https")
    return usage("scheme '" + u.scheme + "' is not http or https");
  std::string_view rest = text.substr(sep + 3);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
    u.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  size_t path_at = std::min(rest.find_first_of("/?"), rest.size());
  std::string_view authority = rest.substr(0, path_at);
  u.path = std::string(rest.substr(path_at));
  split_userinfo(authority, u);
  if (Status s = split_host_port(authority, u); !s) return s.error();
  return u;
}

}  // namespace wpm
