#include "core/process_identity.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace wpm {
namespace {

// Raw syscalls: glibc 2.36's <sys/pidfd.h> declares these without C linkage for C++.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_send_signal(int pidfd, int signo) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signo, nullptr, 0));
}

std::optional<std::string> read_small_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
  }
}

// The next space-separated field of `text`, consumed.
std::string_view next_field(std::string_view& text) {
  size_t start = text.find_first_not_of(' ');
  if (start == std::string_view::npos) return text = {};
  text.remove_prefix(start);
  size_t end = text.find(' ');
  std::string_view field = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  return field;
}

template <class T>
bool to_number(std::string_view text, T& out, int base = 10) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // "pid (comm) state ppid ...": comm is anything up to the LAST ')'.
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  text.remove_prefix(close + 1);
  ProcStat stat;
  // Fields from 3 (state) on; start time is field 22.
  for (int field = 3; field <= 22; ++field) {
    std::string_view value = next_field(text);
    if (value.empty()) return std::nullopt;
    if (field == 3) stat.state = value.front();
    else if (field == 4 && !to_number(value, stat.ppid)) return std::nullopt;
    else if (field == 22 && !to_number(value, stat.start_time)) return std::nullopt;
  }
  return stat;
}

std::optional<ProcStat> read_proc_stat(int32_t pid) {
  if (pid <= 0) return std::nullopt;
  std::optional<std::string> text = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  return parse_proc_stat(*text);
}

std::optional<SignalMasks> parse_signal_masks(std::string_view text) {
  SignalMasks masks;
  int found = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    uint64_t bits = 0;
    if (key != "SigPnd" && key != "ShdPnd" && key != "SigIgn") continue;
    if (!to_number(value, bits, 16)) return std::nullopt;
    (key == "SigIgn" ? masks.ignored : masks.pending) |= bits;
    ++found;
  }
  if (found != 3) return std::nullopt;
  return masks;
}

std::optional<SignalMasks> read_signal_masks(int32_t pid) {
  if (pid <= 0) return std::nullopt;
  std::optional<std::string> text = read_small_file("/proc/" + std::to_string(pid) + "/status");
  if (!text) return std::nullopt;
  return parse_signal_masks(*text);
}

bool same_process(int32_t pid, uint64_t start_time) {
  std::optional<ProcStat> stat = read_proc_stat(pid);
  return stat && start_time != 0 && stat->start_time == start_time && stat->state != 'Z' &&
         stat->state != 'X';
}

Result<VerifiedProcess> VerifiedProcess::open(int32_t pid, uint64_t start_time, int32_t parent,
                                              const std::string& what) {
  std::string refuse = "refusing to signal " + what + ": ";
  if (pid <= 1) return Error{refuse + "pid " + std::to_string(pid) + " is not a wpm process"};
  if (pid == ::getpid()) return Error{refuse + "pid " + std::to_string(pid) + " is wpm itself"};
  // The pidfd first, the check second: if the check passes, the pidfd was opened on the
  // checked process (a process that took the pid later would have a later start time).
  UniqueFd pidfd(pidfd_open(pid));
  if (!pidfd.valid()) {
    if (errno == ESRCH) return Error{refuse + "pid " + std::to_string(pid) + " has exited"};
    return errno_error("pidfd_open(" + std::to_string(pid) + ")");
  }
  std::optional<ProcStat> stat = read_proc_stat(pid);
  if (!stat) return Error{refuse + "pid " + std::to_string(pid) + " has exited"};
  if (start_time == 0 || stat->start_time != start_time)
    return Error{refuse + "pid " + std::to_string(pid) +
                 " is another process now (its start time differs from the recorded one)"};
  if (parent > 0 && stat->ppid != parent)
    return Error{refuse + "pid " + std::to_string(pid) + " is not a child of master pid " +
                 std::to_string(parent)};
  return VerifiedProcess(std::move(pidfd), pid);
}

Status VerifiedProcess::send(int signo) const {
  if (pidfd_send_signal(pidfd_.get(), signo) != 0)
    return errno_error("signal " + std::string(sigabbrev_np(signo) ? sigabbrev_np(signo) : "?") +
                       " to pid " + std::to_string(pid_));
  return {};
}

}  // namespace wpm
