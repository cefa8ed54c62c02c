// The pool's listening TCP socket: bound by the master, inherited by every worker (DESIGN.md §2).
#pragma once

#include <cstdint>

#include "core/options.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace wpm::supervisor {

struct ListenSocket {
  UniqueFd fd;
  HostPort address;  // the real address, port resolved when 0 was asked for
};

// Binds `where` (IPv4 or IPv6, numeric or a name; port 0 picks a free port) with SO_REUSEADDR
// and listens with `backlog`. `inheritable` leaves the fd open across exec (the workers' copy);
// otherwise it is close-on-exec. Errors read "cannot bind HOST:PORT: <strerror>".
Result<ListenSocket> open_listen_socket(const HostPort& where, int backlog, bool inheritable);

// The local address of a bound socket, host numeric ("127.0.0.1", "::1").
Result<HostPort> local_address(int fd);

// Connections waiting in the accept queue of a listening TCP socket (TCP_INFO tcpi_unacked),
// or -1 if the kernel does not say.
int64_t accept_queue_length(int fd);

}  // namespace wpm::supervisor
