// One flag model: each option of a command is declared once — flag names, TOML key, default
// (the value in the options struct the table is built with), allowed range, help text — and
// from that one declaration come the CLI11 flag, the TOML key, the validation of both, the
// --help line, the man page, the shell completions and the report's config section. Nothing
// can drift, because there is nothing parallel to drift from.
//
// Flags do not write into the options struct while CLI11 parses: they are recorded, and
// applied after the config file, so the order is always defaults < file < flags, and every
// value goes through the same parser whether it came from a flag or a TOML key.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/config.h"
#include "cli/values.h"
#include "core/result.h"

namespace wpm::cli {

// How an option takes its value.
enum class Shape {
  scalar,      // --flag VALUE; repeated, the last one wins
  list,        // --flag VALUE, repeatable; the given items replace the default list
  on_switch,   // --flag sets true; TOML true/false
  off_switch,  // --no-x sets false; the TOML key holds the positive (x = true)
};

// What --help, the man page and the completions say about one option.
struct FlagDoc {
  std::string flags;      // CLI11 names, e.g. "--workers,-w"
  std::string key;        // TOML key, "" = flag only
  std::string type_name;  // DURATION, N, ... ; "" for a switch
  std::string help;       // including the allowed range
  std::string default_text;
  Shape shape = Shape::scalar;
  std::vector<std::string> choices;  // for completions (worker classes, log levels, ...)
};

template <class Opts>
struct Value {
  Shape shape = Shape::scalar;
  std::string type_name;   // DURATION, N, SIZE, HOST:PORT, ...
  std::string allowed;     // shown in --help, e.g. "1..512"
  TomlKind toml = TomlKind::text;
  bool split_commas = false;  // list items may also be given as "a,b"
  std::vector<std::string> choices;
  // Scalars and switches: parse, check and store one value. Lists: append one item.
  std::function<Status(Opts&, const std::string&)> set;
  std::function<void(Opts&)> clear;               // lists: drop the items already there
  std::function<std::string(const Opts&)> show;  // the value as text
};

template <class Opts>
struct Option {
  std::string flags;  // "--workers,-w"
  std::string key;    // "pool.workers"; "" = no TOML key
  std::string help;
  Value<Opts> value;
  bool required = false;
  bool in_report = true;  // false: left out of the report's config section (e.g. a URL)

  // "--workers": how errors name the flag.
  std::string long_name() const {
    size_t start = flags.find("--");
    if (start == std::string::npos) return flags.substr(0, flags.find(','));
    return flags.substr(start, flags.find(',', start) - start);
  }
};

// The options of one command and the flags CLI11 saw for them.
template <class Opts>
class OptionTable {
 public:
  explicit OptionTable(std::vector<Option<Opts>> options) : options_(std::move(options)) {}

  const std::vector<Option<Opts>>& options() const { return options_; }

  // Registers every option on `app`; `defaults` fills the [default] of --help. Returns the
  // CLI11 options by long name (for excludes()).
  std::map<std::string, CLI::Option*> add_to(CLI::App& app, const Opts& defaults) {
    std::map<std::string, CLI::Option*> added;
    for (size_t i = 0; i < options_.size(); ++i) added[options_[i].long_name()] = add_one(app, i, defaults);
    return added;
  }

  // Applies the TOML file's keys; errors are "file:line:col: 'key': reason".
  Status load(const std::string& path, Opts& o) const {
    Result<toml::table> table = load_toml(path);
    if (!table) return table.error();
    return apply_toml(path, *table, o, "");
  }

  // Applies the recorded flags (after the file, so they override it).
  Status apply_flags(Opts& o) const {
    for (const auto& [index, values] : given_) {
      const Option<Opts>& opt = options_[index];
      if (Status s = apply_values(opt, o, values); !s)
        return Error{opt.long_name() + ": " + s.error().message, kExitUsage};
    }
    return {};
  }

  bool given(const std::string& long_name) const {
    for (const auto& entry : given_)
      if (options_[entry.first].long_name() == long_name) return true;
    return false;
  }

  // The effective options as text, keyed by TOML key (or flag), for the report.
  std::map<std::string, std::string> describe(const Opts& o) const {
    std::map<std::string, std::string> out;
    for (const Option<Opts>& opt : options_)
      if (opt.in_report) out[opt.key.empty() ? opt.long_name().substr(2) : opt.key] = opt.value.show(o);
    return out;
  }

  std::vector<FlagDoc> docs(const Opts& defaults) const {
    std::vector<FlagDoc> out;
    for (const Option<Opts>& opt : options_)
      out.push_back({opt.flags, opt.key, opt.value.type_name, help_text(opt), default_text(opt, defaults),
                     opt.value.shape, opt.value.choices});
    return out;
  }

 private:
  static std::string help_text(const Option<Opts>& opt) {
    std::string text = opt.help;
    if (!opt.value.allowed.empty()) text += " (" + opt.value.allowed + ")";
    if (!opt.key.empty()) text += " [toml: " + opt.key + "]";
    return text;
  }

  static std::string default_text(const Option<Opts>& opt, const Opts& defaults) {
    if (opt.value.shape == Shape::on_switch || opt.value.shape == Shape::off_switch) return "";
    return opt.value.show(defaults);
  }

  CLI::Option* add_one(CLI::App& app, size_t i, const Opts& defaults) {
    const Option<Opts>& opt = options_[i];
    auto record = [this, i](std::vector<std::string> values) { given_.emplace_back(i, std::move(values)); };
    CLI::Option* added = nullptr;
    switch (opt.value.shape) {
      case Shape::on_switch:
      case Shape::off_switch:
        return app.add_flag_function(opt.flags, [record](int64_t) { record({}); }, help_text(opt));
      case Shape::list:
        added = app.add_option_function<std::vector<std::string>>(
            opt.flags, [record](const std::vector<std::string>& v) { record(v); }, help_text(opt));
        added->allow_extra_args(false);
        break;
      case Shape::scalar:
        added = app.add_option_function<std::string>(
            opt.flags, [record](const std::string& v) { record({v}); }, help_text(opt));
        added->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        break;
    }
    added->type_name(opt.value.type_name);
    std::string def = default_text(opt, defaults);
    if (!def.empty()) added->default_str(def);
    if (opt.required) added->required();
    return added;
  }

  // Scalars and switches take one value; a list replaces its items with the given ones.
  static Status apply_values(const Option<Opts>& opt, Opts& o, const std::vector<std::string>& values) {
    switch (opt.value.shape) {
      case Shape::on_switch: return opt.value.set(o, "true");
      case Shape::off_switch: return opt.value.set(o, "false");
      case Shape::scalar: return opt.value.set(o, values.empty() ? "" : values.back());
      case Shape::list: break;
    }
    opt.value.clear(o);
    for (const std::string& value : values)
      for (const std::string& item : opt.value.split_commas ? split(value, ',') : std::vector{value})
        if (Status s = opt.value.set(o, item); !s) return s;
    return {};
  }

  Status apply_toml(const std::string& path, const toml::table& table, Opts& o,
                    const std::string& section) const {
    for (const auto& [k, node] : table) {
      std::string name = section.empty() ? std::string(k.str()) : section + "." + std::string(k.str());
      const Option<Opts>* opt = find_key(name);
      if (opt == nullptr && node.is_table()) {
        if (Status s = apply_toml(path, *node.as_table(), o, name); !s) return s;
        continue;
      }
      if (opt == nullptr) return config_error(path, node, "unknown key '" + name + "'");
      Result<std::vector<std::string>> values = toml_values(node, opt->value.toml, opt->value.shape == Shape::list);
      Status s = values ? apply_toml_values(*opt, o, *values) : Status(values.error());
      if (!s) return config_error(path, node, "'" + name + "': " + s.error().message);
    }
    return {};
  }

  static Status apply_toml_values(const Option<Opts>& opt, Opts& o, const std::vector<std::string>& values) {
    if (opt.value.shape == Shape::scalar || opt.value.shape == Shape::list) return apply_values(opt, o, values);
    return opt.value.set(o, values.front());  // a switch's key holds the field's own value
  }

  const Option<Opts>* find_key(const std::string& key) const {
    for (const Option<Opts>& opt : options_)
      if (!opt.key.empty() && opt.key == key) return &opt;
    return nullptr;
  }

  std::vector<Option<Opts>> options_;
  std::vector<std::pair<size_t, std::vector<std::string>>> given_;
};

}  // namespace wpm::cli
