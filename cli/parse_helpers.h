// Small CLI11 helpers shared by the commands: options that parse into wpm types and raise
// CLI11 validation errors (exit 2 with the flag's name) on bad values.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/log.h"
#include "core/names.h"
#include "core/options.h"
#include "core/result.h"

namespace wpm::cli {

CLI::Option* add_host_port(CLI::App& app, const std::string& flag, HostPort& target,
                           const std::string& help);
CLI::Option* add_worker_class(CLI::App& app, WorkerClass& target);
CLI::Option* add_log_level(CLI::App& app, LogLevel& target);
CLI::Option* add_duration(CLI::App& app, const std::string& flag, double& seconds,
                          const std::string& help);

// Text parsers that TOML appliers share with the flags; errors say what was expected.
Result<HostPort> parse_host_port_value(const std::string& text);
Result<WorkerClass> parse_worker_class_value(const std::string& text);
Result<LogLevel> parse_log_level_value(const std::string& text);

}  // namespace wpm::cli
