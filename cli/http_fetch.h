// A small blocking HTTP GET for scrapes (the only cpp-httplib translation unit in cli/).
#pragma once

#include <string>

#include "core/result.h"

namespace wpm::cli {

struct FetchResult {
  int status = 0;
  std::string body;
  std::string content_type;
};

// url: "http://host:port/path".
Result<FetchResult> http_get(const std::string& url, double timeout_s = 5);

}  // namespace wpm::cli
