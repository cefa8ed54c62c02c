// `wpm serve`: one option table (cli/flag_model.h) → ServeOptions → the supervisor's master.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/flag_model.h"
#include "core/options.h"
#include "core/result.h"

namespace wpm::cli {

OptionTable<ServeOptions> serve_option_table();

struct ServeCommand {
  ServeOptions options;
  std::string config_path;  // -c/--config: a TOML file, as in Gunicorn
  OptionTable<ServeOptions> table = serve_option_table();
  CLI::App* app = nullptr;
};

void add_serve_command(CLI::App& root, ServeCommand& cmd);
// Defaults < the config file < the flags, then the checks across values; nothing has started.
Status resolve_serve(ServeCommand& cmd);
int run_serve(ServeCommand& cmd);

}  // namespace wpm::cli
