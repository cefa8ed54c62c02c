// The kinds of option value (cli/flag_model.h): each binds a member of the options struct and
// brings its parser, its allowed range and how it prints. Adding an option is one Option{}
// entry using one of these.
#pragma once

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/flag_model.h"

namespace wpm::cli {

using Check = std::function<Status(const std::string&)>;

// An integer member (any integer type) in lo..hi.
template <class Opts, class T>
Value<Opts> count(T Opts::*m, int64_t lo, int64_t hi) {
  Value<Opts> v;
  v.type_name = "N";
  v.allowed = std::to_string(lo) + ".." + std::to_string(hi);
  v.toml = TomlKind::integer;
  v.set = [m, lo, hi](Opts& o, const std::string& text) -> Status {
    Result<int64_t> n = parse_count(text, lo, hi);
    if (!n) return n.error();
    o.*m = static_cast<T>(*n);
    return {};
  };
  v.show = [m](const Opts& o) { return std::to_string(o.*m); };
  return v;
}

template <class Opts>
Value<Opts> number(double Opts::*m, double lo, double hi, std::string type_name = "NUMBER") {
  Value<Opts> v;
  v.type_name = std::move(type_name);
  v.allowed = format_number(lo) + ".." + format_number(hi);
  v.toml = TomlKind::number;
  v.set = [m, lo, hi](Opts& o, const std::string& text) -> Status {
    Result<double> n = parse_number(text, lo, hi);
    if (!n) return n.error();
    o.*m = *n;
    return {};
  };
  v.show = [m](const Opts& o) { return format_number(o.*m); };
  return v;
}

// Seconds in a double member; takes 1m30s, 250ms, 2h, 1.5s or bare seconds.
template <class Opts>
Value<Opts> duration(double Opts::*m, double lo_s, double hi_s) {
  Value<Opts> v;
  v.type_name = "DURATION";
  v.allowed = format_duration(lo_s) + ".." + format_duration(hi_s);
  v.toml = TomlKind::quantity;
  v.set = [m, lo_s, hi_s](Opts& o, const std::string& text) -> Status {
    Result<double> d = parse_duration_in(text, lo_s, hi_s);
    if (!d) return d.error();
    o.*m = *d;
    return {};
  };
  v.show = [m](const Opts& o) { return format_duration(o.*m); };
  return v;
}

// Bytes in an integer member; takes 64MiB, 512k, or bare bytes.
template <class Opts, class T>
Value<Opts> size(T Opts::*m, uint64_t lo, uint64_t hi) {
  Value<Opts> v;
  v.type_name = "SIZE";
  v.allowed = format_size(lo) + ".." + format_size(hi);
  v.toml = TomlKind::quantity;
  v.set = [m, lo, hi](Opts& o, const std::string& text) -> Status {
    Result<uint64_t> s = parse_size_in(text, lo, hi);
    if (!s) return s.error();
    o.*m = static_cast<T>(*s);
    return {};
  };
  v.show = [m](const Opts& o) { return format_size(static_cast<uint64_t>(o.*m)); };
  return v;
}

// A string member, checked by `check` (none = any text).
template <class Opts>
Value<Opts> text(std::string Opts::*m, Check check = nullptr, std::string type_name = "TEXT") {
  Value<Opts> v;
  v.type_name = std::move(type_name);
  v.set = [m, check](Opts& o, const std::string& value) -> Status {
    if (check)
      if (Status s = check(value); !s) return s;
    o.*m = value;
    return {};
  };
  v.show = [m](const Opts& o) { return o.*m; };
  return v;
}

// A bool member: the flag sets it true (on_switch) or false (off_switch, "--no-x"); the TOML
// key holds the member's own value either way.
template <class Opts>
Value<Opts> switch_of(bool Opts::*m, Shape shape) {
  Value<Opts> v;
  v.shape = shape;
  v.toml = TomlKind::boolean;
  v.set = [m](Opts& o, const std::string& value) -> Status {
    o.*m = value == "true";
    return {};
  };
  v.show = [m](const Opts& o) { return std::string(o.*m ? "true" : "false"); };
  return v;
}
template <class Opts>
Value<Opts> on_switch(bool Opts::*m) { return switch_of(m, Shape::on_switch); }
template <class Opts>
Value<Opts> off_switch(bool Opts::*m) { return switch_of(m, Shape::off_switch); }

// A member of any type parsed from text (host:port, a worker class, a log level, ...).
template <class Opts, class T>
Value<Opts> parsed(T Opts::*m, std::type_identity_t<std::function<Result<T>(const std::string&)>> parse,
                   std::type_identity_t<std::function<std::string(const T&)>> print, std::string type_name,
                   std::vector<std::string> choices = {}) {
  Value<Opts> v;
  v.type_name = std::move(type_name);
  v.choices = std::move(choices);
  v.set = [m, parse](Opts& o, const std::string& value) -> Status {
    Result<T> r = parse(value);
    if (!r) return r.error();
    o.*m = std::move(*r);
    return {};
  };
  v.show = [m, print](const Opts& o) { return print(o.*m); };
  return v;
}

// A vector member; `add` parses one item into it. Shown comma-separated.
template <class Opts, class T>
Value<Opts> list(std::vector<T> Opts::*m,
                 std::type_identity_t<std::function<Status(std::vector<T>&, const std::string&)>> add,
                 std::type_identity_t<std::function<std::string(const T&)>> print, std::string type_name) {
  Value<Opts> v;
  v.shape = Shape::list;
  v.type_name = std::move(type_name);
  v.set = [m, add](Opts& o, const std::string& item) { return add(o.*m, item); };
  v.clear = [m](Opts& o) { (o.*m).clear(); };
  v.show = [m, print](const Opts& o) {
    std::string out;
    for (const T& item : o.*m) out += (out.empty() ? "" : ",") + print(item);
    return out;
  };
  return v;
}

// A list of strings, each checked by `check`.
template <class Opts>
Value<Opts> texts(std::vector<std::string> Opts::*m, Check check, std::string type_name) {
  return list<Opts, std::string>(
      m,
      [check](std::vector<std::string>& items, const std::string& item) -> Status {
        if (check)
          if (Status s = check(item); !s) return s;
        items.push_back(item);
        return {};
      },
      [](const std::string& s) { return s; }, std::move(type_name));
}

}  // namespace wpm::cli
