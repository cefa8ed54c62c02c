// TOML configuration files (toml++). Errors name file:line:col so a user can jump to them;
// unknown keys are errors too, because a typo silently ignored is a wrong benchmark. Which
// keys exist and what they accept is the flag model's business (cli/flag_model.h).
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "core/result.h"

namespace wpm::cli {

// What TOML type a key takes.
enum class TomlKind {
  text,      // a string
  integer,   // an integer
  number,    // an integer or a float
  boolean,   // true or false
  quantity,  // a number (seconds, bytes) or a string with a unit ("1m30s", "64MiB")
};

Result<toml::table> load_toml(const std::string& path);

// "file:line:col: message" for a node (or the file alone when the node has no position).
Error config_error(const std::string& path, const toml::node& node, const std::string& message);

// A key's value as the texts a flag would have given: one for a scalar, one per element of an
// array for a list (each element of `kind`).
Result<std::vector<std::string>> toml_values(const toml::node& node, TomlKind kind, bool list);

std::vector<std::string> split(const std::string& text, char separator);

}  // namespace wpm::cli
