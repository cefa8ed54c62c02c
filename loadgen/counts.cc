#include "loadgen/counts.h"

namespace wpm::loadgen {

uint64_t Counts::bad_status() const {
  uint64_t n = 0;
  for (size_t code = 0; code < status.size(); ++code) {
    if (code < 200 || code >= 400) n += status[code];
  }
  return n;
}

void Counts::add(const Counts& o) {
  attempts += o.attempts;
  sent += o.sent;
  responses += o.responses;
  responses_in_window += o.responses_in_window;
  bytes_read += o.bytes_read;
  bytes_written += o.bytes_written;
  connections_opened += o.connections_opened;
  connect += o.connect;
  connect_timeouts += o.connect_timeouts;
  tls += o.tls;
  tls_handshakes += o.tls_handshakes;
  tls_resumed += o.tls_resumed;
  write += o.write;
  read += o.read;
  reset += o.reset;
  timeout += o.timeout;
  parse += o.parse;
  abandoned += o.abandoned;
  abandoned_sent += o.abandoned_sent;
  idle_closed += o.idle_closed;
  not_sent += o.not_sent;
  for (size_t i = 0; i < status.size(); ++i) status[i] += o.status[i];
}

}  // namespace wpm::loadgen
