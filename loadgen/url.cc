#include "loadgen/url.h"

#include "core/url.h"

namespace wpm::loadgen {
namespace {

Error usage(std::string_view text, const std::string& why) {
  return Error{"invalid target URL '" + std::string(text) + "': " + why, kExitUsage};
}

}  // namespace

std::string TargetUrl::host_header() const {
  bool default_port = port == (https ? 443 : 80);
  return default_port ? bracketed_host(host) : bracketed_host(host) + ":" + std::to_string(port);
}

std::string TargetUrl::str() const {
  return (https ? "https://" : "http://") + bracketed_host(host) + ":" + std::to_string(port) + path;
}

Result<TargetUrl> parse_target_url(std::string_view text) {
  Result<Url> url = parse_url(text);
  if (!url) return usage(text, url.error().message);
  if (url->scheme != "http" && url->scheme != "https") return usage(text, "expected http:// or https://");
  if (url->has_userinfo) return usage(text, "credentials are not supported");
  TargetUrl target{url->scheme == "https", url->host, url->port, url->path.empty() ? "/" : url->path};
  if (target.path.front() == '?') target.path.insert(target.path.begin(), '/');  // "?q" is "/?q"
  return target;
}

}  // namespace wpm::loadgen
