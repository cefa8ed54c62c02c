#include "loadgen/request_mix.h"

#include <cctype>
#include <utility>

namespace wpm::loadgen {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool sends_body(const LoadSpec& spec) {
  // An empty POST/PUT/PATCH still says Content-Length: 0 (some servers answer 411 otherwise).
  return !spec.body.empty() || spec.method == "POST" || spec.method == "PUT" || spec.method == "PATCH";
}

// Everything after the request line: the same for every path.
std::string header_block(const LoadSpec& spec) {
  std::string host = spec.host_header;
  if (host.empty()) {
    bool v6 = spec.host.find(':') != std::string::npos;
    host = (v6 ? "[" + spec.host + "]" : spec.host) + ":" + std::to_string(spec.port);
  }
  std::vector<std::pair<std::string, std::string>> fields{
      {"Host", host}, {"User-Agent", "wpm-loadgen"}, {"Accept", "*/*"}};
  if (sends_body(spec)) fields.emplace_back("Content-Type", spec.content_type);
  std::vector<std::pair<std::string, std::string>> extra;
  for (const std::string& text : spec.headers) {
    Result<std::pair<std::string, std::string>> h = split_header(text);
    if (!h) continue;  // validate() rejects it before a run starts
    bool replaced = false;
    for (auto& field : fields) {
      if (lower(field.first) == lower(h->first) && !replaced) {
        field.second = h->second;  // the user's Host/User-Agent/Accept/Content-Type wins
        replaced = true;
      }
    }
    if (!replaced) extra.push_back(std::move(*h));
  }
  std::string out;
  for (const auto& list : {fields, extra})
    for (const auto& [name, value] : list) out += name + ": " + value + "\r\n";
  if (!spec.keepalive) out += "Connection: close\r\n";
  if (sends_body(spec)) out += "Content-Length: " + std::to_string(spec.body.size()) + "\r\n";
  return out + "\r\n" + spec.body;
}

}  // namespace

RequestMix::RequestMix(const LoadSpec& spec) {
  head = spec.method == "HEAD";
  std::string tail = header_block(spec);
  for (size_t i = 0; i < spec.paths.size(); ++i) {
    const std::string& method = spec.methods.empty() ? spec.method : spec.methods[i];
    std::string own_tail;  // a path with its own method: its own body headers (POST: length 0)
    if (method != spec.method) {
      LoadSpec with_method = spec;
      with_method.method = method;
      own_tail = header_block(with_method);
    }
    requests.push_back(method + " " + spec.paths[i] + " HTTP/1.1\r\n" +
                       (method != spec.method ? own_tail : tail));
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
