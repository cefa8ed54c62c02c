#include "cli/http_fetch.h"

#include <httplib.h>

namespace wpm::cli {

Result<FetchResult> http_get(const std::string& url, double timeout_s) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return Error{"only http:// URLs can be scraped: " + url};
  size_t slash = url.find('/', scheme.size());
  std::string authority = url.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  httplib::Client client(authority);
  auto seconds = static_cast<time_t>(timeout_s);
  auto micros = static_cast<time_t>((timeout_s - static_cast<double>(seconds)) * 1e6);
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  httplib::Result res = client.Get(path.c_str());
  if (!res) return Error{"GET " + url + ": " + httplib::to_string(res.error())};
  return FetchResult{res->status, res->body, res->get_header_value("Content-Type")};
}

}  // namespace wpm::cli
