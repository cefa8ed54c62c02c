#include "core/safe_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>


namespace wpm {
namespace {

Status write_all(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write " + path);
    text.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// "<dir>/.<base>.XXXXXX": hidden, in the same directory (rename must not cross filesystems).
std::string temp_template(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + base + ".XXXXXX";
}

}  // namespace

// mkostemp (O_CREAT|O_EXCL, 0600) + write + fchmod + rename; the fd stays open for the caller.
Status create_and_rename(const std::string& path, std::string_view text, mode_t mode,
                         UniqueFd& fd, struct stat& st) {
  std::string tmp = temp_template(path);
  fd.reset(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) return errno_error("cannot create a temporary file for " + path);
  Status done = write_all(fd.get(), text, tmp);
  if (done && ::fchmod(fd.get(), mode) != 0) done = errno_error("fchmod " + tmp);
  if (done && ::fstat(fd.get(), &st) != 0) done = errno_error("fstat " + tmp);
  if (done && ::rename(tmp.c_str(), path.c_str()) != 0)
    done = errno_error("rename " + tmp + " to " + path);
  if (!done) {
    ::unlink(tmp.c_str());
    fd.reset();
  }
  return done;
}

Result<FileId> replace_file_id(const std::string& path, std::string_view text, mode_t mode) {
  UniqueFd fd;
  struct stat st{};
  if (Status s = create_and_rename(path, text, mode, fd, st); !s) return s.error();
  return FileId{st.st_dev, st.st_ino};
}

Result<UniqueFd> create_replacing(const std::string& path, mode_t mode) {
  UniqueFd fd;
  struct stat st{};
  if (Status s = create_and_rename(path, {}, mode, fd, st); !s) return s.error();
  return fd;
}

Status replace_file(const std::string& path, std::string_view text, mode_t mode) {
  Result<FileId> id = replace_file_id(path, text, mode);
  if (!id) return id.error();
  return {};
}

void unlink_if_same(const std::string& path, const FileId& id) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0 && st.st_dev == id.dev && st.st_ino == id.ino)
    ::unlink(path.c_str());
}

Result<std::string> read_file_nofollow(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return errno_error("open " + path);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return errno_error("fstat " + path);
  if (!S_ISREG(st.st_mode)) return Error{path + " is not a regular file"};
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + path);
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace wpm
