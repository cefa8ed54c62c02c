#include "supervisor/instance.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/state_file.h"

namespace wpm::supervisor {
namespace {

Status write_all(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write " + path);
    done += static_cast<size_t>(n);
  }
  return {};
}

std::string running_master_hint(const std::string& name) {
  Result<PoolState> state = read_state_file(name);
  if (!state) return "";
  return " (master pid " + std::to_string(state->master_pid) + ")";
}

}  // namespace

// True when `fd` is still the file at `path`: a master that exits unlinks its lock file, so a
// lock taken on the unlinked inode protects nothing and must be taken again.
bool still_linked(int fd, const std::string& path) {
  struct stat by_fd{}, by_path{};
  return ::fstat(fd, &by_fd) == 0 && ::stat(path.c_str(), &by_path) == 0 &&
         by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev;
}

Result<InstanceLock> InstanceLock::acquire(const std::string& dir, const std::string& name) {
  std::string path = dir + "/master.lock";
  for (int attempt = 0; attempt < 10; ++attempt) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) return errno_error("open " + path);
    int rc;
    do rc = ::flock(fd.get(), LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
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
  ::unlink((dir_ + "/master.lock").c_str());
  ::rmdir(dir_.c_str());  // fails harmlessly if something else still lives there
}

Result<PidFile> PidFile::write(const std::string& path, pid_t pid) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return errno_error("cannot write pidfile " + tmp);
  if (Status s = write_all(fd.get(), std::to_string(pid) + "\n", tmp); !s) return s.error();
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return errno_error("cannot write pidfile: rename " + tmp + " to " + path);
  return PidFile(path);
}

PidFile::~PidFile() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

}  // namespace wpm::supervisor
