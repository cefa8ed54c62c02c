#include "cli/worker_command.h"

#include <string_view>
#include <vector>

#include "cli/profile_toml.h"
#include "core/log.h"
#include "core/options.h"
#include "workers/worker_main.h"

namespace wpm::cli {

int run_worker_command(std::span<char* const> args) {
  std::vector<std::string_view> argv(args.begin(), args.end());
  Result<WorkerOptions> options = parse_worker_argv(argv);
  if (!options) {
    log_error(options.error().message);
    return options.error().exit_code;
  }
  set_log_level(options->log_level);
  set_log_tag("worker " + std::to_string(options->index));
  // The master checked the profile before spawning; read once here, before any request.
  if (options->profile.empty()) return run_worker(*options);
  Result<Profile> profile = read_profile_file(options->profile);
  if (!profile) {
    log_error(profile.error().message);
    return kExitRuntime;
  }
  return run_worker(*options, &*profile);
}

}  // namespace wpm::cli
