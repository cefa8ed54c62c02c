// `wpm serve`: flags and TOML → ServeOptions → the supervisor's master loop.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/options.h"
#include "core/result.h"

namespace wpm::cli {

struct ServeCommand {
  ServeOptions options;
  std::string config_path;
  CLI::App* app = nullptr;
};

// Registers the serve flags on `app` bound to `cmd.options`.
void add_serve_flags(CLI::App& app, ServeOptions& options);
// Loads `path` into options (flags parsed later override it).
Status load_serve_config(const std::string& path, ServeOptions& options);
void add_serve_command(CLI::App& root, ServeCommand& cmd);
int run_serve(ServeCommand& cmd);

}  // namespace wpm::cli
