// libFuzzer target for the workers' HTTP/1.1 request parser. Invariants checked on every input:
//  - feeding the bytes whole or in chunks (sizes taken from the input) gives the same sequence
//    of outcomes (each request's method/target/body and each error status);
//  - a complete request's views lie inside what was fed and wire_bytes never exceeds it;
//  - an error is one of the statuses the worker may send (400, 413, 431, 501, 505).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "workers/request_parser.h"

namespace {

using wpm::http::ParseStatus;
using wpm::http::RequestParser;

// One outcome per request: "C method target body-size" or "E status".
std::vector<std::string> outcomes(std::string_view data, size_t chunk) {
  RequestParser parser;
  std::vector<std::string> out;
  size_t fed = 0;
  ParseStatus status = ParseStatus::incomplete;
  while (true) {
    while (status == ParseStatus::complete) {
      const auto& r = parser.request();
      if (r.wire_bytes > fed) std::abort();
      out.push_back("C " + std::string(r.method) + " " + std::string(r.target) + " " +
                    std::to_string(r.body.size()));
      status = parser.next();
    }
    if (status == ParseStatus::error) {
      int code = parser.error().status;
      if (code != 400 && code != 413 && code != 431 && code != 501 && code != 505) std::abort();
      out.push_back("E " + std::to_string(code));
      return out;
    }
    if (fed == data.size()) return out;
    size_t n = std::min(chunk, data.size() - fed);
    status = parser.feed(data.substr(fed, n));
    fed += n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 1) return 0;
  size_t chunk = 1 + bytes[0] % 64;
  std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  if (outcomes(data, data.size() + 1) != outcomes(data, chunk)) std::abort();
  return 0;
}
