#include "cli/check_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/flag_kinds.h"
#include "core/result.h"
#include "reports/exposition_check.h"

namespace wpm::cli {

OptionTable<CheckMetricsOptions> check_option_table() {
  return OptionTable<CheckMetricsOptions>({{"--push", "", "Apply the push-payload rules (no timestamps)",
                                     on_switch(&CheckMetricsOptions::push)}});
}

void add_check_command(CLI::App& root, CheckCommand& cmd) {
  cmd.app = root.add_subcommand("check-metrics",
                                "Strictly validate a Prometheus text exposition (- = stdin)");
  cmd.app->add_option("file", cmd.file, "File to check, or - for standard input")->required();
  cmd.table.add_to(*cmd.app, CheckMetricsOptions{});
}

int run_check(CheckCommand& cmd) {
  if (Status s = cmd.table.apply_flags(cmd.options); !s) {
    std::cerr << s.error().message << "\n";
    return s.error().exit_code;
  }
  std::stringstream buf;
  if (cmd.file == "-") {
    buf << std::cin.rdbuf();
  } else {
    std::ifstream in(cmd.file, std::ios::binary);
    if (!in) {
      std::cerr << "wpm check-metrics: cannot read " << cmd.file << "\n";
      return kExitUsage;
    }
    buf << in.rdbuf();
  }
  // --push: exactly what `wpm push` accepts before sending; otherwise also a TYPE per family.
  CheckOptions options = cmd.options.push ? kPushPayloadRules : CheckOptions{};
  std::vector<std::string> problems = check_exposition(buf.str(), options);
  for (const std::string& p : problems) std::cout << cmd.file << ": " << p << "\n";
  // Invalid input, like `wpm push`'s refusal to send it (exit 2; 3 is for bench gates).
  if (!problems.empty()) return kExitUsage;
  std::cout << cmd.file << ": ok\n";
  return kExitOk;
}

}  // namespace wpm::cli
