#include "supervisor/planned_exit.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <charconv>
#include <cstring>


namespace wpm::supervisor {
namespace {

constexpr std::string_view kVerb = "planned ";

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path)
    return Error{"control socket path too long (" + std::to_string(path.size()) +
                 " bytes, the limit is " + std::to_string(sizeof addr.sun_path - 1) + "): " + path};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

bool parse_int(std::string_view& text, long& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr == text.data()) return false;
  text.remove_prefix(static_cast<size_t>(ptr - text.data()));
  return true;
}

// The sender's credentials, as the kernel attached them (SO_PASSCRED).
const ucred* sender_of(msghdr& msg) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
      return reinterpret_cast<const ucred*>(CMSG_DATA(c));
  return nullptr;
}

}  // namespace

std::string planned_message(const PlannedSignal& p) {
  return std::string(kVerb) + std::to_string(p.worker_pid) + " " + std::to_string(p.signal) + "\n";
}

std::optional<PlannedSignal> parse_planned_message(std::string_view text) {
  if (text.substr(0, kVerb.size()) != kVerb) return std::nullopt;
  text.remove_prefix(kVerb.size());
  long pid = 0, sig = 0;
  if (!parse_int(text, pid) || text.empty() || text.front() != ' ') return std::nullopt;
  text.remove_prefix(1);
  if (!parse_int(text, sig) || (text != "\n" && !text.empty())) return std::nullopt;
  // pid 0, -1 and 1 are never a worker: kill() would reach a group, everyone or init.
  if (pid <= 1 || pid > (1L << 22) || sig <= 0 || sig >= NSIG) return std::nullopt;
  return PlannedSignal{static_cast<pid_t>(pid), static_cast<int>(sig)};
}

std::string control_socket_path(const std::string& runtime_dir) {
  return runtime_dir + "/control.sock";
}

Status announce_planned_signal(const std::string& runtime_dir, const PlannedSignal& planned) {
  std::string path = control_socket_path(runtime_dir);
  Result<sockaddr_un> addr = unix_address(path);
  if (!addr) return addr.error();
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error("socket(AF_UNIX)");
  timeval limit{2, 0};  // a master too busy to drain its queue for 2 s: give up, say so
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  std::string text = planned_message(planned);
  ssize_t n;
  do n = ::sendto(fd.get(), text.data(), text.size(), 0,
                  reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno_error("cannot announce a planned signal to the master at " + path);
  return {};
}

Result<PlannedExitInbox> PlannedExitInbox::open(const std::string& runtime_dir) {
  std::string path = control_socket_path(runtime_dir);
  Result<sockaddr_un> addr = unix_address(path);
  if (!addr) return addr.error();
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error("socket(AF_UNIX)");
  int on = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
    return errno_error("setsockopt(SO_PASSCRED) on " + path);
  ::unlink(path.c_str());  // a crashed master's; we hold the pool's lock
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0)
    return errno_error("bind " + path);
  if (::chmod(path.c_str(), 0600) != 0) {
    Error e = errno_error("chmod 0600 " + path);
    ::unlink(path.c_str());
    return e;
  }
  return PlannedExitInbox(std::move(fd), path);
}

PlannedExitInbox::~PlannedExitInbox() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

std::optional<PlannedSignal> PlannedExitInbox::next() {
  for (;;) {
    char text[64];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{text, sizeof text};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;  // EAGAIN: nothing pending
    const ucred* sender = sender_of(msg);
    if (sender == nullptr || sender->uid != ::geteuid() || (msg.msg_flags & MSG_TRUNC)) continue;
    if (std::optional<PlannedSignal> p =
            parse_planned_message(std::string_view(text, static_cast<size_t>(n))))
      return p;
  }
}

}  // namespace wpm::supervisor
