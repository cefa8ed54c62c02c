// write_profile: the TOML form documented in cli/profile_toml.h. Times are written as duration
// strings in the unit that keeps them readable ("4.2ms", "850us", "1.5s") with every digit down
// to the nanosecond, so histogram bounds stay distinct and ascending when read back; sizes as
// integer bytes.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "cli/profile_toml.h"

namespace wpm::cli {
namespace {

// printf("%.*f") without trailing zeros (and without a trailing point).
std::string fixed_trimmed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string out = buf;
  if (out.find('.') != std::string::npos) {
    out.erase(out.find_last_not_of('0') + 1);
    if (out.back() == '.') out.pop_back();
  }
  return out == "-0" ? "0" : out;
}

std::string duration_text(double seconds) {
  if (seconds <= 0) return "\"0s\"";
  if (seconds < 1e-3) return "\"" + fixed_trimmed(seconds * 1e6, 3) + "us\"";
  if (seconds < 1) return "\"" + fixed_trimmed(seconds * 1e3, 6) + "ms\"";
  return "\"" + fixed_trimmed(seconds, 9) + "s\"";
}

std::string size_text(double bytes) {
  return fixed_trimmed(std::round(std::max(0.0, bytes)), 0);
}

// A plain number: integers as such, others with 6 significant digits (no exponent for the
// shares and weights a profile holds).
std::string number_text(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fixed_trimmed(value, 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  std::string out = buf;
  if (out.find('e') != std::string::npos) out = fixed_trimmed(value, 12);
  return out;
}

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

using Format = std::string (*)(double);

std::string list_text(const std::vector<double>& values, Format format) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + format(values[i]);
  return out + "]";
}

std::string distribution_text(const Distribution& d, Format format) {
  using K = Distribution::Kind;
  switch (d.kind) {
    case K::fixed: return "{ dist = \"fixed\", value = " + format(d.a) + " }";
    case K::uniform: return "{ dist = \"uniform\", min = " + format(d.a) + ", max = " + format(d.b) + " }";
    case K::normal: return "{ dist = \"normal\", mean = " + format(d.a) + ", stddev = " + format(d.b) + " }";
    case K::lognormal: return "{ dist = \"lognormal\", p50 = " + format(d.a) + ", p99 = " + format(d.b) + " }";
    case K::histogram:
      return "{ dist = \"histogram\", bounds = " + list_text(d.bounds, format) +
             ", weights = " + list_text(d.weights, number_text) + " }";
  }
  return "";
}

std::string status_text(const std::vector<StatusShare>& mix) {
  std::string out = "{ ";
  for (size_t i = 0; i < mix.size(); ++i)
    out += (i ? ", " : "") + std::to_string(mix[i].code) + " = " + number_text(mix[i].share);
  return out + " }";
}

void write_route(std::ostringstream& out, const Route& r) {
  out << "\n[[route]]\n";
  out << "path = " << toml_string(r.path) << "\n";
  out << "method = " << toml_string(r.method) << "\n";
  out << "weight = " << number_text(r.weight) << "\n";
  out << "cpu = " << distribution_text(r.cpu, duration_text) << "\n";
  out << "io = " << distribution_text(r.io, duration_text) << "\n";
  out << "response_bytes = " << distribution_text(r.response_bytes, size_text) << "\n";
  if (!r.status_mix.empty()) out << "status = " << status_text(r.status_mix) << "\n";
  if (r.raise_share > 0) out << "raise = " << number_text(r.raise_share) << "\n";
}

// A TOML comment admits no control character but tab: others become '?'.
std::string comment(std::string line) {
  for (char& c : line)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = '?';
  return line.empty() ? "#" : "# " + line;
}

}  // namespace

std::string write_profile(const Profile& profile, const std::string& header) {
  std::ostringstream out;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) out << comment(line) << "\n";
  if (!header.empty()) out << "\n";
  out << "[profile]\nname = " << toml_string(profile.name) << "\n";
  for (const Route& r : profile.routes) write_route(out, r);
  return out.str();
}

}  // namespace wpm::cli
