// The man page and the bash / zsh completions, generated from the same option tables as the
// flags (cli/flag_model.h), so they list exactly the flags wpm accepts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/flag_model.h"

namespace wpm::cli {

struct CommandDoc {
  std::string name;        // "bench"
  std::string summary;     // one line
  std::string positional;  // e.g. "SIGNAL", "" = none
  std::vector<FlagDoc> flags;
};

// The public commands, in the order --help lists them.
const std::vector<std::string_view>& command_names();
std::vector<CommandDoc> command_docs();

std::string render_man_page(const std::vector<CommandDoc>& commands);
std::string render_bash_completion(const std::vector<CommandDoc>& commands);
std::string render_zsh_completion(const std::vector<CommandDoc>& commands);

}  // namespace wpm::cli
