// Lexing of single lines of the text exposition format: sample lines, HELP/TYPE comments,
// values. Internal to reports/ (exposition_parse.cc is the user).
#pragma once

#include <string>
#include <string_view>

#include "reports/exposition_parse.h"

namespace wpm::prom {

// Parses "name{labels} value [timestamp]". On failure returns false with a readable reason.
bool parse_sample_line(std::string_view line, Sample& out, std::string& error);

// Parses a sample value as Prometheus does: decimal floats, +Inf, -Inf, Inf, NaN.
bool parse_value(std::string_view text, double& out);

// Unescapes a HELP docstring (\\ and \n); false on another escape.
bool unescape_help(std::string_view text, std::string& out, std::string& error);

bool valid_utf8(std::string_view text);

}  // namespace wpm::prom
