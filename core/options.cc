#include "core/options.h"

#include <charconv>
#include <sstream>

namespace wpm {

std::string HostPort::str() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool parse_host_port(const std::string& text, HostPort& out) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535)
    return false;
  out.host = host;
  out.port = static_cast<uint16_t>(value);
  return true;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::vector<std::string> worker_argv(const WorkerOptions& o) {
  auto num = [](double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  std::vector<std::string> argv{
      "worker",
      "--worker-class", std::string(to_string(o.worker_class)),
      "--listen-fd", std::to_string(o.listen_fd),
      "--segment-fd", std::to_string(o.segment_fd),
      "--slot", std::to_string(o.slot),
      "--index", std::to_string(o.index),
      "--threads", std::to_string(o.threads),
      "--worker-connections", std::to_string(o.worker_connections),
      "--keepalive", num(o.keepalive_s),
      "--graceful-timeout", num(o.graceful_timeout_s),
      "--timeout", num(o.timeout_s),
      "--max-requests", std::to_string(o.max_requests),
      "--log-level", std::string(to_string(o.log_level)),
      "--name", o.name,
  };
  if (o.allow_crash) argv.emplace_back("--allow-crash");
  if (!o.metrics) argv.emplace_back("--no-metrics");
  if (o.ready_fd >= 0) argv.insert(argv.end(), {"--ready-fd", std::to_string(o.ready_fd)});
  return argv;
}

}  // namespace wpm
