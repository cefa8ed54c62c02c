// Exact outcome counters of load-generator requests. Every attempt ends in exactly one of:
// a response (any status), connect/write/read/reset/timeout/parse error, or abandoned at stop:
//   attempts == responses + connect + write + read + reset + timeout + parse + abandoned.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace wpm::loadgen {

struct Counts {
  uint64_t attempts = 0;   // requests started (a connect or the first write begun)
  uint64_t sent = 0;       // requests completely written: the server may have handled them
  uint64_t responses = 0;  // complete responses, any status
  // ⊂ responses: completed before the window ended, not in the drain after it (what a rate
  // over the window counts: a closed loop's requests still queued at the end complete in the
  // drain, and counting them would report more than the server's capacity)
  uint64_t responses_in_window = 0;
  uint64_t bytes_read = 0, bytes_written = 0;
  uint64_t connections_opened = 0;  // successful TCP connects
  uint64_t connect = 0;           // refused, unreachable, or timed out (subset below)
  uint64_t connect_timeouts = 0;  // ⊂ connect
  uint64_t tls = 0;               // ⊂ connect: TLS handshakes that failed (not timed out)
  uint64_t tls_handshakes = 0;    // completed TLS handshakes (https)
  uint64_t tls_resumed = 0;       // ⊂ tls_handshakes: resumed a cached session
  uint64_t write = 0;             // write errors other than reset
  uint64_t read = 0;              // read errors other than reset
  uint64_t reset = 0;    // ECONNRESET/EPIPE, or the peer closed before the response ended
  uint64_t timeout = 0;  // request timeouts (their latency IS recorded, ≥ the timeout)
  uint64_t parse = 0;    // malformed responses
  uint64_t abandoned = 0;       // in flight when the drain after stop() ran out
  uint64_t abandoned_sent = 0;  // ⊂ abandoned, fully written
  uint64_t idle_closed = 0;     // idle keep-alive connections the server closed (no error)
  uint64_t not_sent = 0;  // open loop: arrivals due in the window that never got a connection
  std::array<uint64_t, 600> status{};  // responses by status code (100..599)

  uint64_t failed() const { return connect + write + read + reset + timeout + parse; }
  uint64_t bad_status() const;  // responses outside 2xx/3xx
  uint64_t errors() const { return failed() + bad_status(); }
  void add(const Counts& other);
};

}  // namespace wpm::loadgen
