// `wpm profile --from-access-log FILE`: a workload profile (cli/profile_toml.h) fitted to a
// Gunicorn / common / combined access log, with a summary of how much of the log was understood.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/flag_model.h"
#include "reports/access_log.h"

namespace wpm::cli {

struct ProfileOptions {
  std::string from_access_log;  // "-" = standard input
  std::string output = "-";     // "-" = standard output
  AccessLogFormat format = AccessLogFormat::auto_detect;
  std::string log_format;  // a Gunicorn access_log_format; wins over --format
  std::string name;        // "" = the log file's name without its extension
  int max_routes = 100;
};

OptionTable<ProfileOptions> profile_option_table();

struct ProfileCommand {
  ProfileOptions options;
  OptionTable<ProfileOptions> table = profile_option_table();
  CLI::App* app = nullptr;
};

void add_profile_command(CLI::App& root, ProfileCommand& cmd);
int run_profile(ProfileCommand& cmd);

}  // namespace wpm::cli
