// Logging to stderr, one write(2) per line so lines from many processes never interleave.
// Not for the request hot path: errors there are counted, not logged.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace wpm {

enum class LogLevel { debug, info, warning, error };

bool parse_log_level(std::string_view text, LogLevel& out);
void set_log_level(LogLevel level);
LogLevel log_level();
// A tag such as "master" or "worker 3" printed on every line of this process.
void set_log_tag(std::string tag);
void log_line(LogLevel level, std::string_view message);

template <class... Args>
void log(LogLevel level, const Args&... args) {
  if (level < log_level()) return;
  std::ostringstream out;
  (out << ... << args);
  log_line(level, out.str());
}

template <class... Args> void log_debug(const Args&... a) { log(LogLevel::debug, a...); }
template <class... Args> void log_info(const Args&... a) { log(LogLevel::info, a...); }
template <class... Args> void log_warning(const Args&... a) { log(LogLevel::warning, a...); }
template <class... Args> void log_error(const Args&... a) { log(LogLevel::error, a...); }

}  // namespace wpm
