// The messages between the master and its fork server (workers/fork_server.h,
// supervisor/fork_client.h), one per SOCK_SEQPACKET datagram. Both ends are built from the
// same sources, so a version number only guards against a stale wpm-worker binary.
#pragma once

#include <cstdint>

namespace wpm {

inline constexpr uint32_t kForkProtocolVersion = 1;

// Sent once by the fork server when it is ready to fork (or why it cannot).
struct ForkHello {
  uint32_t version = kForkProtocolVersion;
  int32_t error = 0;  // 0 = ready; else an errno value: the master starts workers by exec
};

// One worker to start: what differs between the workers of a pool.
struct ForkRequest {
  uint32_t version = kForkProtocolVersion;
  uint32_t slot = 0;
  uint32_t index = 0;
  uint32_t sequence = 0;  // echoed in the reply
  uint64_t max_requests = 0;
};

struct ForkReply {
  uint32_t sequence = 0;
  int32_t pid = 0;    // > 0: the new worker, a child of the master
  int32_t error = 0;  // errno of the failed fork when pid <= 0
};

}  // namespace wpm
