#include "loadgen/request_mix.h"

namespace wpm::loadgen {

RequestMix::RequestMix(const LoadSpec& spec) {
  std::string host = spec.host_header;
  if (host.empty()) {
    bool v6 = spec.host.find(':') != std::string::npos;
    host = (v6 ? "[" + spec.host + "]" : spec.host) + ":" + std::to_string(spec.port);
  }
  head = spec.method == "HEAD";
  for (size_t i = 0; i < spec.paths.size(); ++i) {
    std::string r = spec.method + " " + spec.paths[i] + " HTTP/1.1\r\nHost: " + host +
                    "\r\nUser-Agent: wpm-loadgen\r\nAccept: */*\r\n";
    if (!spec.keepalive) r += "Connection: close\r\n";
    if (!spec.body.empty()) {
      r += "Content-Type: " + spec.content_type + "\r\nContent-Length: " + std::to_string(spec.body.size()) + "\r\n";
    }
    r += "\r\n" + spec.body;
    requests.push_back(std::move(r));
    weights.push_back(spec.weights.empty() ? 1.0 : spec.weights[i]);
  }
}

MixPicker::MixPicker(const RequestMix& mix, uint32_t offset)
    : weights_(&mix.weights), current_(mix.weights.size(), 0.0) {
  for (double w : mix.weights) total_ += w;
  for (uint32_t i = 0; i < offset % current_.size(); ++i) next();  // threads start apart
}

uint32_t MixPicker::next() {
  uint32_t best = 0;
  for (uint32_t i = 0; i < current_.size(); ++i) {
    current_[i] += (*weights_)[i];
    if (current_[i] > current_[best]) best = i;
  }
  current_[best] -= total_;
  return best;
}

}  // namespace wpm::loadgen
