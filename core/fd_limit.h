// The open-file limit (RLIMIT_NOFILE) and wpm's one policy for it: a process that needs N
// descriptors raises its soft limit to N, never past the hard limit and never below what it
// already is; whether a lower hard limit is fatal is the caller's call (the load generator
// refuses the run, a server accepts what fits).
#pragma once

#include <cstdint>

#include "core/result.h"

namespace wpm {

struct FdLimit {
  uint64_t soft = 0;  // RLIM_INFINITY (all bits set) when unlimited
  uint64_t hard = 0;
};

Result<FdLimit> fd_limit();

// The limits in force afterwards: soft < needed means the hard limit stood in the way.
Result<FdLimit> raise_fd_limit(uint64_t needed);

}  // namespace wpm
