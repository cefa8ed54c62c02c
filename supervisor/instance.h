// One master per pool name, and the optional --pidfile.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/result.h"
#include "core/safe_file.h"
#include "core/unique_fd.h"

namespace wpm::supervisor {

// An exclusive flock on <runtime dir>/master.lock held for the master's lifetime: two masters
// started at once with the same name cannot both pass (the state file alone would race).
// Released by removing the lock file and the (then empty) runtime directory, so stopped pools
// leave nothing behind.
class InstanceLock {
 public:
  // Fails with "a pool named 'NAME' is already running (master pid N)" when taken.
  static Result<InstanceLock> acquire(const std::string& dir, const std::string& name);
  InstanceLock(InstanceLock&& other) noexcept
      : fd_(std::move(other.fd_)), dir_(std::move(other.dir_)) { other.dir_.clear(); }
  InstanceLock& operator=(InstanceLock&&) = delete;
  ~InstanceLock();

 private:
  InstanceLock(UniqueFd fd, std::string dir) : fd_(std::move(fd)), dir_(std::move(dir)) {}
  UniqueFd fd_;
  std::string dir_;
};

// Writes the pid (mode 0600, through core/safe_file.h: a symlink or foreign file planted at
// the path is replaced, never written through) and, when destroyed, removes the file it wrote
// (not one put there since).
class PidFile {
 public:
  static Result<PidFile> write(const std::string& path, pid_t pid);
  PidFile(PidFile&& other) noexcept : path_(std::move(other.path_)), id_(other.id_) {
    other.path_.clear();
  }
  PidFile& operator=(PidFile&&) = delete;
  ~PidFile();

 private:
  PidFile(std::string path, FileId id) : path_(std::move(path)), id_(id) {}
  std::string path_;
  FileId id_;
};

}  // namespace wpm::supervisor
