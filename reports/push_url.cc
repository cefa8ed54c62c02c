#include "reports/push_url.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "core/metric_table.h"
#include "core/prom_text.h"

namespace wpm {
namespace {

Error usage(std::string_view url, const std::string& why) {
  return Error{"invalid URL '" + redact_url(url) + "': " + why, kExitUsage};
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int v = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr == s.data() + i + 3) {
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Splits "host[:port]" (host possibly "[v6]") into `u`.
std::string parse_authority(std::string_view hp, HttpUrl& u) {
  std::string_view port;
  if (!hp.empty() && hp[0] == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos) return "unterminated IPv6 address";
    u.host = std::string(hp.substr(1, close - 1));
    std::string_view rest = hp.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return "unexpected text after the IPv6 address";
    if (!rest.empty()) port = rest.substr(1);
  } else {
    size_t colon = hp.rfind(':');
    u.host = std::string(hp.substr(0, colon));
    if (colon != std::string_view::npos) port = hp.substr(colon + 1);
  }
  if (u.host.empty()) return "no host";
  if (port.empty()) { u.port = u.scheme == "https" ? 443 : 80; return {}; }
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), u.port);
  if (ec != std::errc() || ptr != port.data() + port.size() || u.port < 1 || u.port > 65535)
    return "invalid port '" + std::string(port) + "'";
  return {};
}

}  // namespace

std::string HttpUrl::scheme_host_port() const {
  bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HttpUrl> parse_http_url(std::string_view url) {
  HttpUrl u;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return usage(url, "expected http://HOST[:PORT] or https://…");
  u.scheme = std::string(url.substr(0, sep));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(), ::tolower);
  if (u.scheme != "http" && u.scheme != "https")
    return usage(url, "scheme '" + u.scheme + "' is not http or https");
  std::string_view rest = url.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos)
    return usage(url, "a query or fragment is not allowed");
  size_t slash = std::min(rest.find('/'), rest.size());
  std::string_view authority = rest.substr(0, slash);
  u.path = std::string(rest.substr(slash));
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view info = authority.substr(0, at);
    size_t colon = info.find(':');
    u.user = percent_decode(info.substr(0, colon));
    if (colon != std::string_view::npos) u.password = percent_decode(info.substr(colon + 1));
    authority.remove_prefix(at + 1);
  }
  std::string why = parse_authority(authority, u);
  if (!why.empty()) return usage(url, why);
  return u;
}

std::string redact_url(std::string_view url) {
  size_t sep = url.find("://");
  size_t start = sep == std::string_view::npos ? 0 : sep + 3;
  size_t end = std::min(url.find('/', start), url.size());
  size_t at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(at));
}

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  if (bytes.empty()) return "=";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

Result<std::string> grouping_path(std::string_view job, const GroupingLabels& labels) {
  if (job.empty()) return Error{"the Pushgateway needs a non-empty job name", kExitUsage};
  std::string path = "/metrics/job@base64/" + base64url(job);
  std::set<std::string_view> seen;
  for (const auto& [name, value] : labels) {
    if (!valid_label_name(name))
      return Error{"invalid grouping label name '" + name + "'", kExitUsage};
    if (name == "job") return Error{"the job is given once, not as a grouping label", kExitUsage};
    if (!seen.insert(name).second)
      return Error{"grouping label '" + name + "' given twice", kExitUsage};
    path += "/" + name + "@base64/" + base64url(value);
  }
  return path;
}

std::string describe_grouping_key(std::string_view job, const GroupingLabels& labels) {
  std::string out;
  SampleLine key(out, "");
  key.label("job", job);
  for (const auto& [name, value] : labels) key.label(name, value);
  key.close_labels();
  return out;
}

bool retryable_status(int status) { return status == 429 || (status >= 500 && status <= 599); }

double backoff_delay_s(int retry, double base_s, double cap_s, double unit_random) {
  double full = std::min(cap_s, base_s * std::ldexp(1.0, std::min(retry, 30)));
  return full / 2 + full / 2 * unit_random;
}

}  // namespace wpm
