#include "supervisor/instance.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "core/state_file.h"

namespace wpm::supervisor {
namespace {

// `wpm status` holds a shared lock on master.lock for a few microseconds to see whether a
// master holds it; a master starting in that instant waits this long before giving up.
constexpr int kBusyRetries = 20;
constexpr auto kBusyPause = std::chrono::milliseconds(5);

std::string running_master_hint(const std::string& name) {
  Result<PoolState> state = read_state_file(name);
  if (!state) return "";
  return " (master pid " + std::to_string(state->master_pid) + ")";
}

// LOCK_EX|LOCK_NB on `fd`, retried through a reader's brief shared lock; errno on failure.
int lock_exclusive(int fd) {
  for (int busy = 0;; ++busy) {
    int rc = ::flock(fd, LOCK_EX | LOCK_NB);
    if (rc == 0 || errno == EINTR) {
      if (rc == 0) return 0;
      continue;
    }
    if (errno != EWOULDBLOCK || busy == kBusyRetries) return rc;
    std::this_thread::sleep_for(kBusyPause);
  }
}

}  // namespace

// True when `fd` is still the file at `path`: a master that exits unlinks its lock file, so a
// lock taken on the unlinked inode protects nothing and must be taken again.
bool still_linked(int fd, const std::string& path) {
  struct stat by_fd{}, by_path{};
  return ::fstat(fd, &by_fd) == 0 && ::lstat(path.c_str(), &by_path) == 0 &&
         by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev;
}

Result<InstanceLock> InstanceLock::acquire(const std::string& dir, const std::string& name) {
  std::string path = master_lock_path(dir);
  for (int attempt = 0; attempt < 10; ++attempt) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid()) return errno_error("open " + path);
    if (lock_exclusive(fd.get()) != 0) {
      if (errno == EWOULDBLOCK)
        return Error{"a pool named '" + name + "' is already running" +
                     running_master_hint(name) + "; stop it or choose another --name"};
      return errno_error("flock " + path);
    }
    if (still_linked(fd.get(), path)) return InstanceLock(std::move(fd), dir);
  }
  return Error{"could not lock " + path + ": it keeps being replaced"};
}

InstanceLock::~InstanceLock() {
  if (dir_.empty()) return;
  ::unlink(master_lock_path(dir_).c_str());
  ::rmdir(dir_.c_str());  // fails harmlessly if something else still lives there
}

Result<PidFile> PidFile::write(const std::string& path, pid_t pid) {
  Result<FileId> id = replace_file_id(path, std::to_string(pid) + "\n");
  if (!id) return Error{"cannot write pidfile: " + id.error().message};
  return PidFile(path, *id);
}

PidFile::~PidFile() {
  if (!path_.empty()) unlink_if_same(path_, id_);
}

}  // namespace wpm::supervisor
