#include "cli/parse_helpers.h"

namespace wpm::cli {

Result<HostPort> parse_host_port_value(const std::string& text) {
  HostPort out;
  if (!parse_host_port(text, out))
    return Error{"expected HOST:PORT, [IPV6]:PORT or :PORT (e.g. 127.0.0.1:8000), got '" + text + "'",
                 kExitUsage};
  return out;
}

Result<WorkerClass> parse_worker_class_value(const std::string& text) {
  auto parsed = parse_name<WorkerClass>(text, kWorkerClassNames);
  if (!parsed) return Error{"expected sync, thread, eventlet or gevent, got '" + text + "'", kExitUsage};
  return *parsed;
}

Result<LogLevel> parse_log_level_value(const std::string& text) {
  LogLevel out{};
  if (!parse_log_level(text, out))
    return Error{"expected debug, info, warning or error, got '" + text + "'", kExitUsage};
  return out;
}

std::vector<std::string> worker_class_names() {
  return {kWorkerClassNames.begin(), kWorkerClassNames.end()};
}

std::vector<std::string> log_level_names() { return {"debug", "info", "warning", "error"}; }

}  // namespace wpm::cli
