#include "cli/docs_gen.h"

#include "cli/bench_command.h"
#include "cli/check_command.h"
#include "cli/control_commands.h"
#include "cli/push_command.h"
#include "cli/report_command.h"
#include "cli/serve_command.h"
#include "core/version.h"

namespace wpm::cli {
namespace {

FlagDoc config_flag() {
  return {"--config,-c", "", "FILE", "TOML config file; flags override it", "", Shape::scalar, {}};
}

std::vector<FlagDoc> with_config(std::vector<FlagDoc> flags) {
  flags.insert(flags.begin(), config_flag());
  return flags;
}

// roff: backslashes and hyphens escaped, no line may start with a control character.
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

// "--workers,-w" -> {"--workers", "-w"}
std::vector<std::string> names_of(const FlagDoc& f) { return split(f.flags, ','); }

std::string man_flag(const FlagDoc& f) {
  std::string head;
  for (const std::string& name : names_of(f)) head += (head.empty() ? "" : ", ") + ("\\fB" + roff(name) + "\\fR");
  if (!f.type_name.empty()) head += " \\fI" + roff(f.type_name) + "\\fR";
  std::string body = roff(f.help);
  if (!f.default_text.empty()) body += " Default: " + roff(f.default_text) + ".";
  if (f.shape == Shape::list) body += " Repeatable.";
  return ".TP\n" + head + "\n" + body + "\n";
}

const char* kManTail = R"(.SH "CONFIGURATION FILES"
\fBwpm serve\fR and \fBwpm bench\fR read a TOML file given with \fB\-c\fR/\fB\-\-config\fR.
Each option's key is shown as [toml: key]; a dotted key is a key in a table
(\fBload.duration\fR is \fBduration\fR in \fB[load]\fR).
The order is: the defaults (for bench, the default scenario), then the file, then the flags.
Unknown keys and bad values are errors naming file:line:col.
.SH "VALUES"
Durations: 1m30s, 250ms, 2h, 1.5s, 90us or bare seconds.
Sizes: 64MiB, 512k, 1GB or bare bytes.
A repeated flag that takes one value keeps the last one.
.SH "EXIT STATUS"
0 ok, 1 runtime failure, 2 usage or configuration error, 3 a bench threshold or
reconciliation failed, 4 the Pushgateway could not be reached or refused the push.
.SH ENVIRONMENT
.TP
\fBWPM_PUSH_USERNAME\fR, \fBWPM_PUSH_PASSWORD\fR
Basic-auth credentials for the Pushgateway.
.TP
\fBXDG_RUNTIME_DIR\fR
Runtime files live in $XDG_RUNTIME_DIR/wpm/NAME/ (or /tmp/wpm\-UID/NAME/).
)";

// Bash and zsh: which completion a flag's value gets.
bool takes_file(const FlagDoc& f) { return f.type_name == "FILE" || f.type_name == "DIR"; }

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string bash_command_case(const CommandDoc& c) {
  std::vector<std::string> all;
  std::string value_cases;
  for (const FlagDoc& f : c.flags) {
    std::vector<std::string> names = names_of(f);
    all.insert(all.end(), names.begin(), names.end());
    std::string pattern = join(names, "|");
    if (!f.choices.empty())
      value_cases += "        " + pattern + ") COMPREPLY=($(compgen -W \"" + join(f.choices, " ") + "\" -- \"$cur\")); return ;;\n";
    else if (takes_file(f))
      value_cases += "        " + pattern + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
    else if (!f.type_name.empty())
      value_cases += "        " + pattern + ") return ;;\n";
  }
  return "    " + c.name + ")\n      case \"$prev\" in\n" + value_cases + "      esac\n" +
         "      COMPREPLY=($(compgen -W \"" + join(all, " ") + "\" -- \"$cur\")) ;;\n";
}

// zsh _arguments specs: no brackets, colons or single quotes inside the help.
std::string zsh_text(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '[') out += '(';
    else if (c == ']') out += ')';
    else if (c == ':') out += "\\:";
    else if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out;
}

std::string zsh_spec(const FlagDoc& f, const std::string& name) {
  std::string spec = (f.shape == Shape::list ? "*" : "") + name + "[" + zsh_text(f.help) + "]";
  if (f.type_name.empty()) return "'" + spec + "'";
  std::string action = takes_file(f) ? "_files" : f.choices.empty() ? " " : "(" + join(f.choices, " ") + ")";
  return "'" + spec + ":" + zsh_text(f.type_name) + ":" + action + "'";
}

}  // namespace

const std::vector<std::string_view>& command_names() {
  static const std::vector<std::string_view> names{"serve", "bench", "signal", "status", "push",
                                                   "check-metrics", "report", "help-man", "help-completion"};
  return names;
}

std::vector<CommandDoc> command_docs() {
  return {
      {"serve", "Run a supervised worker pool with /metrics", "", with_config(serve_option_table().docs(ServeOptions{}))},
      {"bench", "Benchmark worker pools: load, faults, reconciliation, reports", "",
       with_config(bench_option_table().docs(default_scenario()))},
      {"signal", "Send a control signal to a running pool or worker", "SIGNAL", signal_option_table().docs(SignalOptions{})},
      {"status", "Show a running pool's workers", "", status_option_table().docs(StatusOptions{})},
      {"push", "Push metrics to a Prometheus Pushgateway", "", push_option_table().docs(PushOptions{})},
      {"check-metrics", "Strictly validate a Prometheus text exposition", "FILE", check_option_table().docs(CheckMetricsOptions{})},
      {"report", "Merge the JSON reports of several generators (wpm report merge)", "merge REPORT.json...",
       report_merge_option_table().docs(ReportMergeOptions{})},
  };
}

std::string render_man_page(const std::vector<CommandDoc>& commands) {
  std::string out = ".TH WPM 1 \"\" \"wpm " + roff(wpm_version()) + "\" \"User Commands\"\n";
  out += ".SH NAME\nwpm \\- supervise, measure and benchmark pre\\-fork HTTP worker pools\n";
  out += ".SH SYNOPSIS\n.B wpm\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n.SH COMMANDS\n";
  for (const CommandDoc& c : commands) {
    out += ".SS \"wpm " + roff(c.name) + (c.positional.empty() ? "" : " " + c.positional) + " [OPTIONS]\"\n";
    out += roff(c.summary) + ".\n";
    for (const FlagDoc& f : c.flags) out += man_flag(f);
  }
  return out + kManTail;
}

std::string render_bash_completion(const std::vector<CommandDoc>& commands) {
  std::vector<std::string> names;
  for (const CommandDoc& c : commands) names.push_back(c.name);
  std::string out = "# bash completion for wpm (generated by `wpm help-completion bash`)\n_wpm() {\n";
  out += "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n";
  out += "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n    COMPREPLY=($(compgen -W \"" + join(names, " ") +
         " --help --version\" -- \"$cur\")); return\n  fi\n  case \"${COMP_WORDS[1]}\" in\n";
  for (const CommandDoc& c : commands) out += bash_command_case(c);
  return out + "  esac\n}\ncomplete -F _wpm wpm\n";
}

std::string render_zsh_completion(const std::vector<CommandDoc>& commands) {
  std::string out = "#compdef wpm\n# zsh completion for wpm (generated by `wpm help-completion zsh`)\n";
  out += "_wpm() {\n  local -a commands\n  commands=(\n";
  for (const CommandDoc& c : commands) out += "    '" + c.name + ":" + zsh_text(c.summary) + "'\n";
  out += "  )\n  if (( CURRENT == 2 )); then\n    _describe 'command' commands\n    return\n  fi\n";
  out += "  shift words; (( CURRENT-- ))\n  case $words[1] in\n";
  for (const CommandDoc& c : commands) {
    out += "    " + c.name + ")\n      _arguments";
    for (const FlagDoc& f : c.flags)
      for (const std::string& name : names_of(f)) out += " \\\n        " + zsh_spec(f, name);
    if (!c.positional.empty()) out += " \\\n        '1:" + c.positional + ":" + (c.name == "check-metrics" ? "_files" : " ") + "'";
    out += " ;;\n";
  }
  return out + "  esac\n}\n_wpm \"$@\"\n";
}

}  // namespace wpm::cli
