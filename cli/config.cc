#include "cli/config.h"

#include <sstream>

#include "cli/values.h"

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

Result<std::string> scalar_text(const toml::node& node, TomlKind kind) {
  switch (kind) {
    case TomlKind::text:
      if (auto s = node.value_exact<std::string>()) return *s;
      return expected("a string");
    case TomlKind::boolean:
      if (auto b = node.value_exact<bool>()) return std::string(*b ? "true" : "false");
      return expected("true or false");
    case TomlKind::integer:
      if (auto i = node.value_exact<int64_t>()) return std::to_string(*i);
      return expected("an integer");
    case TomlKind::number:
    case TomlKind::quantity:
      if (auto i = node.value_exact<int64_t>()) return std::to_string(*i);
      if (auto d = node.value_exact<double>()) return format_number(*d);
      if (auto s = node.value_exact<std::string>(); s && kind == TomlKind::quantity) return *s;
      return expected(kind == TomlKind::number ? "a number" : "a number or a string with a unit");
  }
  return expected("a value");
}

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

Result<std::vector<std::string>> toml_values(const toml::node& node, TomlKind kind, bool list) {
  std::vector<std::string> out;
  if (!list) {
    Result<std::string> text = scalar_text(node, kind);
    if (!text) return text.error();
    out.push_back(*text);
    return out;
  }
  const toml::array* array = node.as_array();
  if (array == nullptr) return expected("an array");
  for (const toml::node& item : *array) {
    Result<std::string> text = scalar_text(item, kind);
    if (!text) return Error{"array element: " + text.error().message, kExitUsage};
    out.push_back(*text);
  }
  return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  if (parts.empty()) parts.emplace_back();
  return parts;
}

}  // namespace wpm::cli
