// probe_tls: one handshake with the target before the run starts, so that a certificate the
// client does not trust is one clear error at start, not a run made only of connect errors.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cmath>

#include "core/clock.h"
#include "core/unique_fd.h"
#include "core/url.h"
#include "loadgen/tls.h"

namespace wpm::loadgen {
namespace {

// Waits for `events` on fd until deadline_ns; false on timeout.
bool wait_for(int fd, short events, uint64_t deadline_ns) {
  for (;;) {
    uint64_t now = monotonic_ns();
    if (now >= deadline_ns) return false;
    pollfd p{fd, events, 0};
    int ms = static_cast<int>((deadline_ns - now + 999'999) / 1'000'000);
    int n = ::poll(&p, 1, ms);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

bool tcp_connect(int fd, const sockaddr_storage& address, socklen_t length, uint64_t deadline_ns) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0) return true;
  if (errno != EINPROGRESS && errno != EINTR) return false;
  if (!wait_for(fd, POLLOUT, deadline_ns)) return false;
  int err = 0;
  socklen_t len = sizeof err;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

uint16_t port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
}

std::string hint(const TlsContext& ctx) {
  if (!ctx.options().verify) return "";
  return ctx.options().ca_file.empty()
             ? " (trust its certificate with --ca-file FILE, or skip verification with --insecure)"
             : " (with the certificates of '" + ctx.options().ca_file + "'; --insecure skips verification)";
}

}  // namespace

Result<TlsProbe> probe_tls(const TlsContext& ctx, const sockaddr_storage& address, socklen_t length,
                           double timeout_s) {
  TlsProbe out;
  UniqueFd fd(::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error("loadgen: socket");
  uint64_t deadline = monotonic_ns() + static_cast<uint64_t>(std::llround(timeout_s * 1e9));
  if (!tcp_connect(fd.get(), address, length, deadline)) return out;
  out.connected = true;
  const std::string where = "https://" + bracketed_host(ctx.options().host) + ":" + std::to_string(port_of(address));
  TlsConn tls;
  if (!tls.begin(ctx, fd.get(), nullptr)) return Error{"loadgen: cannot create a TLS session"};
  for (;;) {
    TlsConn::Step step = tls.handshake();
    if (step == TlsConn::Step::done) break;
    if (step == TlsConn::Step::failed) return Error{tls.failure() + " (" + where + ")" + hint(ctx)};
    if (!wait_for(fd.get(), tls.wants_read() ? POLLIN : POLLOUT, deadline))
      return Error{"TLS handshake timed out (" + where + "): does the server speak TLS on this port?"};
  }
  out.protocol = tls.protocol();
  out.cipher = tls.cipher();
  tls.reset(TlsConn::End::notify);
  return out;
}

}  // namespace wpm::loadgen
