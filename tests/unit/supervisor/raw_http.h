// A client that controls every byte and every wait, for the metrics endpoint's tests: keep-alive
// requests, partial requests, trickled bytes, connections held open without a word.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/unique_fd.h"
#include "test_support.h"

namespace wpm::supervisor::test {

class RawConn {
 public:
  // Connects to 127.0.0.1:port; an invalid RawConn (valid() false) on failure.
  explicit RawConn(uint16_t port);
  bool valid() const { return fd_.valid(); }
  bool send(std::string_view bytes);
  // One response, framed by Content-Length (none for a HEAD request when `head` is set), read
  // within `limit`; nullopt on timeout, EOF or garbage.
  std::optional<HttpReply> read_reply(std::chrono::milliseconds limit = std::chrono::seconds(5),
                                      bool head = false);
  // `bytes`, then one response.
  std::optional<HttpReply> exchange(std::string_view bytes);
  // A GET (or any `method`) on this connection, then its response.
  std::optional<HttpReply> request(const std::string& method, const std::string& path,
                                   const std::string& extra_headers = "");
  // True if bytes are waiting within `limit`; reads nothing.
  bool readable_within(std::chrono::milliseconds limit);
  // True if the peer closed (EOF or reset) within `limit`, whatever it sent before.
  bool closed_within(std::chrono::milliseconds limit);
  // Everything received until EOF or `limit`.
  std::string read_until_close(std::chrono::milliseconds limit);

 private:
  // Waits up to `limit` for bytes; false on timeout. Appends to buffered_; sets eof_.
  bool fill(std::chrono::steady_clock::time_point deadline);
  UniqueFd fd_;
  std::string buffered_;
  bool eof_ = false;
};

// The value of header `name` (case-insensitive) in a raw header block, "" when absent.
std::string header_value(const std::string& headers, const std::string& name);

}  // namespace wpm::supervisor::test
