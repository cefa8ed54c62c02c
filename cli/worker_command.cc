#include "cli/worker_command.h"

#include <optional>
#include <string_view>
#include <vector>

#include "cli/profile_toml.h"
#include "core/log.h"
#include "core/options.h"
#include "workers/fork_server.h"
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
  // The master checked the profile before spawning; read once here, before any request (a
  // fork server reads it once for all the workers it forks).
  std::optional<Profile> profile;
  if (!options->profile.empty()) {
    Result<Profile> read = read_profile_file(options->profile);
    if (!read) {
      log_error(read.error().message);
      return kExitRuntime;
    }
    profile = std::move(*read);
  }
  const Profile* routes = profile ? &*profile : nullptr;
  if (options->fork_server_fd >= 0) return run_fork_server(*options, routes, args);
  return run_worker(*options, routes);
}

}  // namespace wpm::cli
