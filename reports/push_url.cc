#include "reports/push_url.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/metric_table.h"
#include "core/prom_text.h"

namespace wpm {
namespace {

Error usage(std::string_view url, const std::string& why) {
  return Error{"invalid URL '" + redact_url(url) + "': " + why, kExitUsage};
}

}  // namespace

Result<Url> parse_http_url(std::string_view url) {
  Result<Url> u = parse_url(url);
  if (!u) return usage(url, u.error().message);
  if (u->has_fragment || u->path.find('?') != std::string::npos)
    return usage(url, "a query or fragment is not allowed");
  while (!u->path.empty() && u->path.back() == '/') u->path.pop_back();
  return u;
}

std::string redact_url(std::string_view url) {
  size_t sep = url.find("://");
  size_t start = sep == std::string_view::npos ? 0 : sep + 3;
  size_t end = std::min(url.find_first_of("/?#", start), url.size());
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
