// The request head as the metrics endpoint needs it: method, path, version, whether the
// connection may stay open, whether a body follows. Pure functions over bytes already read;
// the limits are the workers' (Gunicorn's): request line 4094 → 400, more than 100 fields or a
// field line over 8190 bytes → 431. Bodies are never read: a request announcing one is
// answered and its connection closed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wpm::supervisor {

struct HeadLimits {
  size_t request_line = 4094;  // bytes, line ending excluded
  size_t fields = 100;
  size_t field_line = 8190;    // bytes of one "Name: value" line, CRLF included
  size_t head = 16 * 1024;     // the whole head; the per-connection input buffer's bound
};

struct RequestHead {
  std::string method;
  std::string path;  // the target before '?'
  int minor = 1;     // HTTP/1.<minor>
  bool keep_alive = true;
  bool has_body = false;
};

struct ParsedHead {
  int error = 0;  // 0, or the status to answer with (400, 431, 505)
  RequestHead head;
};

// Offset just past the empty line that ends the head in `buf`, or npos. `scanned` carries how
// far earlier calls looked, so a client trickling bytes costs O(bytes) in total.
size_t find_head_end(std::string_view buf, size_t& scanned);

// Parses a complete head (request line, fields, the empty line).
ParsedHead parse_head(std::string_view head, const HeadLimits& limits = {});

// The status for a head that is still incomplete but already over `limits.head` bytes.
int oversized_head_status(std::string_view partial, const HeadLimits& limits = {});

}  // namespace wpm::supervisor
