#include "core/result.h"

#include <cerrno>
#include <cstring>

namespace wpm {

Error errno_error(const std::string& what, int err) {
  return Error{what + ": " + std::strerror(err), kExitRuntime};
}

Error errno_error(const std::string& what) { return errno_error(what, errno); }

}  // namespace wpm
