#include "core/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace wpm {

Result<FdLimit> fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return errno_error("getrlimit(RLIMIT_NOFILE)");
  return FdLimit{limit.rlim_cur, limit.rlim_max};
}

Result<FdLimit> raise_fd_limit(uint64_t needed) {
  Result<FdLimit> now = fd_limit();
  if (!now || now->soft >= needed || now->soft >= now->hard) return now;
  rlimit limit{std::min<rlim_t>(needed, now->hard), now->hard};
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return errno_error("setrlimit(RLIMIT_NOFILE)");
  return FdLimit{limit.rlim_cur, limit.rlim_max};
}

}  // namespace wpm
