#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>

namespace wpm {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
std::string g_tag = "wpm";

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "DEBUG";
    case LogLevel::info: return "INFO";
    case LogLevel::warning: return "WARNING";
    case LogLevel::error: return "ERROR";
  }
  return "?";
}

}  // namespace

bool parse_log_level(std::string_view text, LogLevel& out) {
  if (text == "debug") out = LogLevel::debug;
  else if (text == "info") out = LogLevel::info;
  else if (text == "warning" || text == "warn") out = LogLevel::warning;
  else if (text == "error") out = LogLevel::error;
  else return false;
  return true;
}

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }
void set_log_tag(std::string tag) { g_tag = std::move(tag); }

void log_line(LogLevel level, std::string_view message) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string line;
  line.reserve(message.size() + 64);
  line.append("[").append(stamp).append("] [").append(g_tag).append(" ")
      .append(std::to_string(getpid())).append("] [").append(level_name(level)).append("] ");
  line.append(message).push_back('\n');
  int saved = errno;  // logging must not disturb the caller's errno
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
  errno = saved;
}

}  // namespace wpm
