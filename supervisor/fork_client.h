// The master's side of the fork server (workers/fork_server.h): starts it by exec with every
// worker's options, then asks it for one worker at a time. Any failure stops it (the caller
// then starts that worker by exec, and a later spawn starts a fresh fork server).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/options.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace wpm::supervisor {

class ForkClient {
 public:
  ForkClient() = default;
  ForkClient(const ForkClient&) = delete;
  ForkClient& operator=(const ForkClient&) = delete;
  ~ForkClient() { stop(); }

  // Execs `exe worker …` as a fork server with `options` (slot, index and max_requests are
  // per worker) and the descriptors every worker inherits; returns once it said it is ready.
  Status start(const std::string& exe, WorkerOptions options, const std::vector<int>& inherit);
  // One worker, a child of the calling process; an error stops the fork server.
  Result<pid_t> fork_worker(uint32_t slot, uint32_t index, uint64_t max_requests);
  // Closes the socket: the fork server exits on end of file (the master reaps it).
  void stop();
  bool running() const { return socket_.valid(); }
  pid_t pid() const { return pid_; }
  // Called when the master reaped `pid`: true if it was the fork server (now stopped).
  bool reaped(pid_t pid);

 private:
  Error fail(const std::string& what);

  UniqueFd socket_;
  pid_t pid_ = 0;
  uint32_t sequence_ = 0;
};

}  // namespace wpm::supervisor
