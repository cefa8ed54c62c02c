#include "supervisor/fork_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "core/fork_request.h"
#include "supervisor/spawner.h"

namespace wpm::supervisor {
namespace {

// A fork takes well under a millisecond; a fork server that does not answer within this is
// stuck (or stopped), and the worker is started by exec instead.
constexpr int kReplyTimeoutMs = 2000;
// Start-up includes loading the binary and reading the profile.
constexpr int kHelloTimeoutMs = 10000;

// Receives exactly one message of `size` bytes; an error names what went wrong.
Status receive(int fd, void* message, size_t size, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int ready;
  do ready = ::poll(&p, 1, timeout_ms);
  while (ready < 0 && errno == EINTR);
  if (ready == 0) return Error{"no answer within " + std::to_string(timeout_ms) + " ms"};
  if (ready < 0) return errno_error("poll");
  ssize_t n;
  do n = ::recv(fd, message, size, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n == 0) return Error{"it exited"};
  if (n < 0) return errno_error("recv");
  if (n != static_cast<ssize_t>(size)) return Error{"a malformed answer"};
  return {};
}

}  // namespace

Status ForkClient::start(const std::string& exe, WorkerOptions options,
                         const std::vector<int>& inherit) {
  stop();
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    return errno_error("fork server socketpair");
  UniqueFd ours(pair[0]), theirs(pair[1]);
  options.fork_server_fd = theirs.get();
  std::vector<int> fds = inherit;
  fds.push_back(theirs.get());
  Result<pid_t> pid = spawn_process({exe, worker_argv(options), fds});
  if (!pid) return pid.error();
  theirs.reset();  // the fork server's end lives in the fork server only: EOF when it dies
  socket_ = std::move(ours);
  pid_ = *pid;
  ForkHello hello;
  if (Status s = receive(socket_.get(), &hello, sizeof hello, kHelloTimeoutMs); !s)
    return fail("did not start: " + s.error().message);
  if (hello.version != kForkProtocolVersion) return fail("speaks another protocol version");
  if (hello.error != 0) return fail(std::string("cannot fork workers: ") + std::strerror(hello.error));
  return {};
}

Result<pid_t> ForkClient::fork_worker(uint32_t slot, uint32_t index, uint64_t max_requests) {
  if (!running()) return Error{"the fork server is not running"};
  ForkRequest request;
  request.slot = slot;
  request.index = index;
  request.max_requests = max_requests;
  request.sequence = ++sequence_;
  ssize_t n;
  do n = ::send(socket_.get(), &request, sizeof request, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof request))
    return fail(std::string("cannot reach it: ") + std::strerror(errno));
  ForkReply reply;
  if (Status s = receive(socket_.get(), &reply, sizeof reply, kReplyTimeoutMs); !s)
    return fail(s.error().message);
  if (reply.sequence != request.sequence) return fail("answered another request");
  if (reply.pid <= 0) return Error{std::string("fork failed: ") + std::strerror(reply.error)};
  return static_cast<pid_t>(reply.pid);
}

void ForkClient::stop() {
  socket_.reset();
  pid_ = 0;
}

bool ForkClient::reaped(pid_t pid) {
  if (pid_ == 0 || pid != pid_) return false;
  stop();
  return true;
}

Error ForkClient::fail(const std::string& what) {
  // Stuck or confused: ended for good, so no late answer is ever read as a new one. The master
  // reaps it like any child.
  if (pid_ > 0) ::kill(pid_, SIGKILL);
  stop();
  return Error{"fork server " + what};
}

}  // namespace wpm::supervisor
