// Planned exits (DESIGN.md §9): a worker exit that wpm itself asked for respawns at once; the
// crash-loop backoff is for unplanned deaths only. A worker's own exits (quit, term, int,
// max_requests) explain themselves through the reason it records in its slot. An ABRT or KILL
// cannot: the kernel does not tell the master who sent it. So whoever sends one on behalf of
// wpm (`wpm signal`, bench injections) first announces it to the master on the pool's control
// socket, `<runtime dir>/control.sock` (a datagram socket in the pool's 0700 directory), and
// only then signals the worker. The master reads pending announcements before it attributes a
// reaped worker, so an announcement sent before kill() is always seen in time.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace wpm::supervisor {

struct PlannedSignal {
  pid_t worker_pid = 0;
  int signal = 0;
};

// "planned <pid> <signal number>\n" and back; nullopt for anything else.
std::string planned_message(const PlannedSignal& planned);
std::optional<PlannedSignal> parse_planned_message(std::string_view text);

std::string control_socket_path(const std::string& runtime_dir);

// Tells the master of the pool whose runtime directory is `runtime_dir` that `signal` is about
// to be sent to its worker `worker_pid` on wpm's behalf. Fails (and nothing is sent) when no
// master listens there.
Status announce_planned_signal(const std::string& runtime_dir, const PlannedSignal& planned);

// The master's end: a bound, non-blocking datagram socket that accepts announcements from its
// own user only (kernel-checked credentials). Unlinked when destroyed.
class PlannedExitInbox {
 public:
  static Result<PlannedExitInbox> open(const std::string& runtime_dir);
  PlannedExitInbox(PlannedExitInbox&& other) noexcept
      : fd_(std::move(other.fd_)), path_(std::move(other.path_)) { other.path_.clear(); }
  PlannedExitInbox& operator=(PlannedExitInbox&&) = delete;
  ~PlannedExitInbox();

  int fd() const { return fd_.get(); }
  // The next pending announcement; nullopt when none is pending. Malformed datagrams and
  // datagrams from other users are dropped.
  std::optional<PlannedSignal> next();

 private:
  PlannedExitInbox(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
};

}  // namespace wpm::supervisor
