// TOML configuration files (toml++). Errors name file:line:col so a user can jump to them;
// unknown keys are errors too, because a typo silently ignored is a wrong benchmark.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "core/result.h"

namespace wpm::cli {

Result<toml::table> load_toml(const std::string& path);

// "file:line:col: message" for a node (or the file alone when the node has no position).
Error config_error(const std::string& path, const toml::node& node, const std::string& message);

// Applies one key's value; the error's message says what was expected.
using KeyApplier = std::function<Status(const toml::node&)>;
using KeyTable = std::map<std::string, KeyApplier, std::less<>>;

// Walks `table` with the appliers; nested tables use "section.key" names.
Status apply_table(const std::string& path, const toml::table& table, const KeyTable& keys,
                   const std::string& section = "");

// Typed readers used by appliers: `out` is set only on success.
Status read(const toml::node& node, std::string& out);
Status read(const toml::node& node, bool& out);
Status read(const toml::node& node, double& out);
Status read(const toml::node& node, uint64_t& out);
Status read(const toml::node& node, uint32_t& out);
Status read_duration(const toml::node& node, double& seconds);

// "10s", "500ms", "2m", "1.5" (seconds) → seconds.
Result<double> parse_duration(std::string_view text);

// Finds "--config F" / "--config=F" in argv before CLI11 runs, so the file can be loaded
// first and the flags parsed afterwards override it.
std::string find_config_arg(int argc, const char* const* argv);

}  // namespace wpm::cli
