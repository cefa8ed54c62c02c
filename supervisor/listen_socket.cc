#include "supervisor/listen_socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>

namespace wpm::supervisor {
namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

Result<AddrInfoPtr> resolve(const HostPort& where) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  std::string port = std::to_string(where.port);
  int rc = getaddrinfo(where.host.empty() ? nullptr : where.host.c_str(), port.c_str(), &hints,
                       &found);
  if (rc != 0)
    return Error{"cannot bind " + where.str() + ": cannot resolve host: " + gai_strerror(rc)};
  return AddrInfoPtr(found);
}

// One candidate address: socket, options, bind, listen. Returns the errno of the failing step.
Result<UniqueFd> bind_one(const addrinfo& ai, int backlog, bool inheritable,
                          const HostPort& where) {
  int type = ai.ai_socktype | (inheritable ? 0 : SOCK_CLOEXEC);
  UniqueFd fd(::socket(ai.ai_family, type, ai.ai_protocol));
  if (!fd.valid()) return errno_error("cannot bind " + where.str() + ": socket()");
  int yes = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) != 0)
    return errno_error("cannot bind " + where.str() + ": setsockopt(SO_REUSEADDR)");
  if (::bind(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0)
    return errno_error("cannot bind " + where.str());
  if (::listen(fd.get(), backlog) != 0) return errno_error("cannot listen on " + where.str());
  return fd;
}

}  // namespace

Result<HostPort> local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return errno_error("getsockname(fd " + std::to_string(fd) + ")");
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  int rc = getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, port,
                       sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
  if (rc != 0) return Error{std::string("getnameinfo: ") + gai_strerror(rc)};
  HostPort out;
  out.host = host;
  out.port = static_cast<uint16_t>(std::stoul(port));
  return out;
}

Result<ListenSocket> open_listen_socket(const HostPort& where, int backlog, bool inheritable) {
  Result<AddrInfoPtr> list = resolve(where);
  if (!list) return list.error();
  Error last{"cannot bind " + where.str() + ": no usable address"};
  for (const addrinfo* ai = list->get(); ai != nullptr; ai = ai->ai_next) {
    Result<UniqueFd> fd = bind_one(*ai, backlog, inheritable, where);
    if (!fd) {
      last = fd.error();
      continue;
    }
    Result<HostPort> real = local_address(fd->get());
    if (!real) return real.error();
    return ListenSocket{std::move(*fd), std::move(*real)};
  }
  return last;
}

int64_t accept_queue_length(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return -1;
  // For a socket in LISTEN state the kernel reports the accept queue length in tcpi_unacked.
  return static_cast<int64_t>(info.tcpi_unacked);
}

}  // namespace wpm::supervisor
