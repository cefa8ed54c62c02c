// Small CLI11 helpers shared by the commands: options that parse into wpm types and raise
// CLI11 validation errors (exit 2 with the flag's name) on bad values.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/names.h"
#include "core/options.h"

namespace wpm::cli {

CLI::Option* add_host_port(CLI::App& app, const std::string& flag, HostPort& target,
                           const std::string& help);
CLI::Option* add_worker_class(CLI::App& app, WorkerClass& target);
CLI::Option* add_log_level(CLI::App& app, LogLevel& target);
CLI::Option* add_duration(CLI::App& app, const std::string& flag, double& seconds,
                          const std::string& help);

template <size_t N>
std::vector<std::string> names_vector(const std::array<std::string_view, N>& names) {
  return std::vector<std::string>(names.begin(), names.end());
}

// Text parsers that TOML appliers share with the flags: "" or an error message.
std::string parse_host_port_value(const std::string& text, HostPort& out);
std::string parse_worker_class_value(const std::string& text, WorkerClass& out);
std::string parse_log_level_value(const std::string& text, LogLevel& out);

}  // namespace wpm::cli
