#include "cli/profile_command.h"

#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/flag_kinds.h"
#include "cli/profile_toml.h"
#include "core/safe_file.h"
#include "reports/profile_fit.h"

namespace wpm::cli {
namespace {

using O = ProfileOptions;

constexpr std::pair<const char*, AccessLogFormat> kFormats[] = {
    {"auto", AccessLogFormat::auto_detect},
    {"gunicorn", AccessLogFormat::gunicorn},
    {"combined", AccessLogFormat::combined},
    {"common", AccessLogFormat::common},
};

Result<AccessLogFormat> parse_format(const std::string& text) {
  for (const auto& [name, format] : kFormats)
    if (text == name) return format;
  return Error{"expected auto, gunicorn, combined or common, got '" + text + "'", kExitUsage};
}

std::string format_name(const AccessLogFormat& format) {
  for (const auto& [name, f] : kFormats)
    if (f == format) return name;
  return "auto";
}

Status check_log_format(const std::string& text) {
  Result<AccessLogParser> p = AccessLogParser::from_gunicorn_format(text);
  if (!p) return Error{p.error().message.substr(std::strlen("--log-format: ")), kExitUsage};
  return {};
}

int fail(const Error& e) {
  std::cerr << "wpm profile: " << e.message << "\n";
  return e.exit_code;
}

// "logs/access.log.1" -> "access".
std::string name_from_path(const std::string& path) {
  if (path == "-") return "access-log";
  std::string base = path.substr(path.find_last_of('/') + 1);
  std::string stem = base.substr(0, base.find('.'));
  return stem.empty() ? "access-log" : stem;
}

Result<AccessLogParser> make_parser(const ProfileOptions& o) {
  if (o.log_format.empty()) return AccessLogParser::preset(o.format);
  return AccessLogParser::from_gunicorn_format(o.log_format);
}

struct Fitted {
  AccessLogScan scan;
  FitResult fit;
};

Result<Fitted> fit_log(const ProfileOptions& o, const AccessLogParser& parser) {
  std::ifstream file;
  if (o.from_access_log != "-") {
    file.open(o.from_access_log, std::ios::binary);
    if (!file) {
      Error e = errno_error("--from-access-log: cannot read '" + o.from_access_log + "'");
      e.exit_code = kExitUsage;
      return e;
    }
  }
  std::istream& in = o.from_access_log == "-" ? std::cin : file;
  ProfileFitter fitter;
  Fitted out;
  out.scan = scan_access_log(in, parser, [&fitter](const AccessRecord& r) { fitter.add(r); });
  if (in.bad()) return errno_error("reading '" + o.from_access_log + "'");
  FitOptions fit_options{o.name.empty() ? name_from_path(o.from_access_log) : o.name,
                         static_cast<size_t>(o.max_routes)};
  out.fit = fitter.finish(fit_options);
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

}  // namespace

OptionTable<ProfileOptions> profile_option_table() {
  std::vector<Option<O>> options{
      {"--from-access-log", "", "Access log to fit (- = standard input)",
       text(&O::from_access_log, check_not_empty, "FILE"), true},
      {"--output,-o", "", "Profile TOML file (- = standard output)", text(&O::output, check_not_empty, "FILE")},
      {"--format", "", "Log format: gunicorn (its default format plus %(D)s), combined or common with a trailing request time "
       "(integer microseconds or decimal seconds), auto (combined or common)",
       parsed<O, AccessLogFormat>(&O::format, parse_format, format_name, "FORMAT",
                                  {"auto", "gunicorn", "combined", "common"})},
      {"--log-format", "", "Gunicorn access_log_format of the log, e.g. '%(h)s \"%(r)s\" %(s)s %(b)s %(D)s'",
       text(&O::log_format, check_log_format, "FORMAT")},
      {"--name", "", "Profile name (default: the log file's name)", text(&O::name, check_not_empty, "NAME")},
      {"--max-routes", "", "Keep the busiest routes; the rest are counted and left out",
       count(&O::max_routes, 1, 10000)},
  };
  return OptionTable<ProfileOptions>(std::move(options));
}

void add_profile_command(CLI::App& root, ProfileCommand& cmd) {
  cmd.app = root.add_subcommand("profile", "Write a workload profile fitted to an access log");
  std::map<std::string, CLI::Option*> flag = cmd.table.add_to(*cmd.app, ProfileOptions{});
  flag["--log-format"]->excludes(flag["--format"]);
}

int run_profile(ProfileCommand& cmd) {
  ProfileOptions& o = cmd.options;
  if (Status s = cmd.table.apply_flags(o); !s) return fail(s.error());
  Result<AccessLogParser> parser = make_parser(o);
  if (!parser) return fail(parser.error());
  Result<Fitted> fitted = fit_log(o, *parser);
  if (!fitted) return fail(fitted.error());
  std::string format = o.log_format.empty() ? parser->describe() : "'" + o.log_format + "'";
  std::string source = o.from_access_log == "-" ? "(standard input)" : o.from_access_log;
  std::string summary = join_lines(describe_fit(source, format, fitted->scan, fitted->fit));
  std::cerr << summary;
  if (fitted->scan.parsed == 0)
    return fail(Error{"no request understood in " + std::to_string(fitted->scan.lines) +
                      " non-empty lines; no profile written (see --format, --log-format)"});
  std::string text = write_profile(fitted->fit.profile, summary);
  if (o.output == "-") {
    std::cout << text << std::flush;
    return std::cout ? kExitOk : fail(Error{"writing standard output failed"});
  }
  if (Status s = replace_file(o.output, text); !s) return fail(s.error());
  return kExitOk;
}

}  // namespace wpm::cli
