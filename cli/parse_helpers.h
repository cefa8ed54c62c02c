// Text parsers for wpm's enumerations and addresses, shared by every command's option table
// (cli/flag_model.h); errors say what was expected and quote what was given.
#pragma once

#include <string>
#include <vector>

#include "core/log.h"
#include "core/names.h"
#include "core/options.h"
#include "core/result.h"

namespace wpm::cli {

Result<HostPort> parse_host_port_value(const std::string& text);
Result<WorkerClass> parse_worker_class_value(const std::string& text);
Result<LogLevel> parse_log_level_value(const std::string& text);

std::vector<std::string> worker_class_names();
std::vector<std::string> log_level_names();

}  // namespace wpm::cli
