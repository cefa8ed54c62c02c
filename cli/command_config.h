// -c/--config FILE, the TOML file of `wpm serve` and `wpm bench` (as in Gunicorn): loaded
// after the defaults and before the flags, so flags override it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <unistd.h>

#include "cli/flag_model.h"

namespace wpm::cli {

inline void add_config_flag(CLI::App& app, std::string& path) {
  app.add_option("--config,-c", path, "TOML config file; flags override it")
      ->type_name("FILE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

// Loads `path` (none when empty) into `o` through the command's option table.
template <class Opts>
Status load_config(const OptionTable<Opts>& table, const std::string& path, Opts& o) {
  if (path.empty()) return {};
  if (access(path.c_str(), R_OK) != 0) {
    bool digits = path.find_first_not_of("0123456789") == std::string::npos;
    return Error{"--config: cannot read '" + path + "'" +
                     (digits ? " (-c is the config file; client connections are --connections)" : ""),
                 kExitUsage};
  }
  return table.load(path, o);
}

}  // namespace wpm::cli
