#include "cli/config.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace wpm::cli {
namespace {

// "file:line:col: message", or "file: message" when toml++ knows no position.
Error positioned(const std::string& path, const toml::source_position& at,
                 std::string_view message) {
  std::string text = path;
  if (at.line > 0) {
    text.append(":").append(std::to_string(at.line));
    text.append(":").append(std::to_string(at.column));
  }
  text.append(": ").append(message);
  return Error{std::move(text), kExitUsage};
}

Error expected(const char* what) { return Error{std::string("expected ") + what, kExitUsage}; }

}  // namespace

Result<toml::table> load_toml(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return positioned(path, e.source().begin, e.description());
  }
}

Error config_error(const std::string& path, const toml::node& node, const std::string& message) {
  return positioned(path, node.source().begin, message);
}

Status apply_table(const std::string& path, const toml::table& table, const KeyTable& keys,
                   const std::string& section) {
  for (const auto& [key, node] : table) {
    std::string name = section.empty() ? std::string(key.str())
                                       : section + "." + std::string(key.str());
    auto it = keys.find(name);
    if (it != keys.end()) {
      if (Status s = it->second(node); !s)
        return config_error(path, node, "'" + name + "': " + s.error().message);
      continue;
    }
    if (const toml::table* sub = node.as_table()) {
      if (Status s = apply_table(path, *sub, keys, name); !s) return s;
      continue;
    }
    return config_error(path, node, "unknown key '" + name + "'");
  }
  return {};
}

Status read(const toml::node& node, std::string& out) {
  auto v = node.value<std::string>();
  if (!v) return expected("a string");
  out = *v;
  return {};
}

Status read(const toml::node& node, bool& out) {
  auto v = node.value<bool>();
  if (!v || !node.is_boolean()) return expected("true or false");
  out = *v;
  return {};
}

Status read(const toml::node& node, double& out) {
  if (!node.is_number()) return expected("a number");
  out = *node.value<double>();
  return {};
}

Status read(const toml::node& node, uint64_t& out) {
  if (!node.is_integer()) return expected("an integer");
  int64_t v = *node.value<int64_t>();
  if (v < 0) return expected("a non-negative integer");
  out = static_cast<uint64_t>(v);
  return {};
}

Status read(const toml::node& node, uint32_t& out) {
  uint64_t v = 0;
  if (Status s = read(node, v); !s) return s;
  if (v > UINT32_MAX) return Error{"value too large", kExitUsage};
  out = static_cast<uint32_t>(v);
  return {};
}

Status read_duration(const toml::node& node, double& seconds) {
  if (node.is_number()) return read(node, seconds);
  if (auto text = node.value<std::string>()) {
    if (Result<double> d = parse_duration(*text)) {
      seconds = *d;
      return {};
    }
  }
  return expected("a duration such as 10s, 500ms, 2m or a number of seconds");
}

Result<double> parse_duration(std::string_view text) {
  auto bad = [text] {
    return Error{"expected a duration such as 10s, 500ms or 2m, got '" + std::string(text) + "'",
                 kExitUsage};
  };
  if (text.empty()) return bad();
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || !std::isfinite(value) || value < 0) return bad();
  std::string_view unit(ptr, static_cast<size_t>(text.data() + text.size() - ptr));
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  else if (unit == "ms") scale = 1e-3;
  else if (unit == "us") scale = 1e-6;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else return bad();
  return value * scale;
}

std::string find_config_arg(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) return argv[i + 1];
    if (std::strncmp(argv[i], "--config=", 9) == 0) return argv[i] + 9;
  }
  return "";
}

}  // namespace wpm::cli
