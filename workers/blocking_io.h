// Socket I/O for the models whose handlers block a thread (sync, and each thread of the
// thread worker): non-blocking sockets driven with poll() and deadlines, so a slow or silent
// peer costs at most the deadline and the heartbeat stays fresh while we wait on it.
// (eventlet and gevent yield instead; they use the parser and response cursor directly.)
#pragma once

#include <cstdint>

#include "workers/exchange.h"
#include "workers/http_response.h"
#include "workers/instrumentation.h"
#include "workers/request_parser.h"
#include "core/unique_fd.h"

namespace wpm {

enum class IoResult { ok, eof, timeout, error };

// Reads into the parser until it holds a complete request or a parse error (both → ok; look
// at parser.status()). Sends "100 Continue" when the client waits for it. eof: the peer
// closed before a full request, or (abandon_idle_on_stop) the worker is stopping and not a
// byte of a request has arrived within a short grace; timeout: deadline_ns (monotonic) passed.
IoResult read_request(int fd, http::RequestParser& parser, uint64_t deadline_ns,
                      PrometheusMixin& metrics, bool abandon_idle_on_stop = true);

// Writes what is left of the exchange's response (recording it at its commit point, see
// exchange.h); response().sent_bytes() tells how far it got.
IoResult write_response(int fd, Exchange& exchange, uint64_t deadline_ns,
                        PrometheusMixin& metrics);

// Waits for `events` on fd for at most one heartbeat slice (≤ 1 s) before deadline_ns,
// refreshing the heartbeat first (waiting on a peer is not being stuck). ok means "retry
// the I/O" (ready, a signal, or the slice ended); timeout once deadline_ns has passed.
IoResult wait_fd(int fd, short events, uint64_t deadline_ns, PrometheusMixin& metrics);

// Closes after a half-close and a bounded drain of what the peer still sends, so unread
// request bytes do not turn the close into a RST that destroys the response in flight.
void lingering_close(UniqueFd& fd, uint32_t max_wait_ms);

// Blocks the calling thread for ms (the io wait of a plan in blocking models). Signals do not
// shorten it: a graceful quit finishes the request in hand.
void sleep_ms(uint32_t ms);
void sleep_us(uint64_t us);

}  // namespace wpm
