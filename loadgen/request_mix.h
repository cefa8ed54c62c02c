// The request bytes of a run, built once, and a per-thread picker over them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loadgen/load_spec.h"

namespace wpm::loadgen {

// One serialized HTTP/1.1 request per path (method, Host, User-Agent, Accept, the spec's
// headers, optional Connection: close, Content-Length and body), built once before the run:
// the request path only copies these bytes. Read-only after construction, shared by all threads.
struct RequestMix {
  explicit RequestMix(const LoadSpec& spec);
  std::vector<std::string> requests;
  std::vector<double> weights;  // one per request, > 0 sum
  bool head = false;            // HEAD requests: responses have no body
};

// Smooth weighted round-robin (nginx's): deterministic, and over any window the share of each
// path is within one request of its weight. Equal weights = plain round-robin.
class MixPicker {
 public:
  explicit MixPicker(const RequestMix& mix, uint32_t offset = 0);
  uint32_t next();

 private:
  const std::vector<double>* weights_;
  std::vector<double> current_;
  double total_ = 0;
};

}  // namespace wpm::loadgen
