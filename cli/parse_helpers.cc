#include "cli/parse_helpers.h"

#include <sstream>

#include "cli/config.h"

namespace wpm::cli {

Result<HostPort> parse_host_port_value(const std::string& text) {
  HostPort out;
  if (!parse_host_port(text, out))
    return Error{"expected HOST:PORT (e.g. 127.0.0.1:8000), got '" + text + "'", kExitUsage};
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

namespace {

template <class T>
CLI::Option* add_parsed(CLI::App& app, const std::string& flag, T& target, const std::string& help,
                        Result<T> (*parse)(const std::string&)) {
  return app.add_option_function<std::string>(
      flag,
      [&target, parse, flag](const std::string& value) {
        Result<T> parsed = parse(value);
        if (!parsed) throw CLI::ValidationError(flag, parsed.error().message);
        target = *parsed;
      },
      help);
}

Result<double> parse_duration_value(const std::string& text) { return parse_duration(text); }

}  // namespace

CLI::Option* add_host_port(CLI::App& app, const std::string& flag, HostPort& target,
                           const std::string& help) {
  return add_parsed(app, flag, target, help, parse_host_port_value)
      ->default_str(target.str())
      ->type_name("HOST:PORT");
}

CLI::Option* add_worker_class(CLI::App& app, WorkerClass& target) {
  return add_parsed(app, "--worker-class,-k", target, "sync, thread, eventlet or gevent",
                    parse_worker_class_value)
      ->default_str(std::string(to_string(target)))
      ->type_name("CLASS");
}

CLI::Option* add_log_level(CLI::App& app, LogLevel& target) {
  return add_parsed(app, "--log-level", target, "debug, info, warning or error",
                    parse_log_level_value)
      ->default_str(std::string(to_string(target)))
      ->type_name("LEVEL");
}

CLI::Option* add_duration(CLI::App& app, const std::string& flag, double& seconds,
                          const std::string& help) {
  std::ostringstream def;
  def << seconds << "s";
  return add_parsed(app, flag, seconds, help, parse_duration_value)
      ->default_str(def.str())
      ->type_name("DURATION");
}

}  // namespace wpm::cli
