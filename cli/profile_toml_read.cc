// Reading the TOML form of a workload profile (cli/profile_toml.h). Every error names
// file:line:col and the key ('route[2].cpu.p99'), so a user can jump to it.
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "cli/profile_toml.h"
#include "cli/values.h"

namespace wpm::cli {
namespace {

using K = Distribution::Kind;

struct Where {
  const std::string& source;
  std::string key;  // 'route[2].cpu'
  const toml::node& node;
};

Error error_at(const std::string& source, const toml::source_position& pos,
               const std::string& message) {
  std::string text = source;
  if (pos.line > 0) text += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return Error{text + ": " + message, kExitUsage};
}

Error bad(const Where& w, const std::string& message) {
  return error_at(w.source, w.node.source().begin, "'" + w.key + "': " + message);
}

Where child(const Where& w, std::string_view name, const toml::node& node) {
  return Where{w.source, w.key + "." + std::string(name), node};
}

// A time: a duration string ("250ms", "1m30s") or seconds as a number.
Result<double> seconds(const Where& w) {
  if (auto i = w.node.value_exact<int64_t>()) {
    if (*i < 0) return bad(w, "expected a duration >= 0");
    return static_cast<double>(*i);
  }
  if (auto d = w.node.value_exact<double>()) {
    if (!(*d >= 0)) return bad(w, "expected a duration >= 0");
    return *d;
  }
  if (auto s = w.node.value_exact<std::string>()) {
    Result<double> v = parse_duration(*s);
    if (!v) return bad(w, v.error().message);
    return *v;
  }
  return bad(w, "expected a duration (\"250ms\", \"1.5s\") or seconds as a number");
}

// A size: "4KiB", "1.5MB" or bytes as a number.
Result<double> bytes(const Where& w) {
  if (auto s = w.node.value_exact<std::string>()) {
    Result<uint64_t> v = parse_size(*s);
    if (!v) return bad(w, v.error().message);
    return static_cast<double>(*v);
  }
  if (auto d = w.node.value<double>(); d && *d >= 0) return *d;
  return bad(w, "expected a size (\"4KiB\") or bytes as a number >= 0");
}

Result<double> number(const Where& w) {
  if (auto d = w.node.value<double>()) return *d;
  return bad(w, "expected a number");
}

using Reader = Result<double> (*)(const Where&);

Result<std::vector<double>> numbers(const Where& w, Reader read) {
  const toml::array* list = w.node.as_array();
  if (!list) return bad(w, "expected an array");
  std::vector<double> out;
  for (size_t i = 0; i < list->size(); ++i) {
    Where item{w.source, w.key + "[" + std::to_string(i) + "]", *list->get(i)};
    Result<double> v = read(item);
    if (!v) return v.error();
    out.push_back(*v);
  }
  return out;
}

Result<K> kind_of(const Where& w) {
  static constexpr std::pair<std::string_view, K> kKinds[] = {
      {"fixed", K::fixed},         {"uniform", K::uniform},     {"normal", K::normal},
      {"lognormal", K::lognormal}, {"histogram", K::histogram}};
  if (auto s = w.node.value_exact<std::string>())
    for (auto [name, kind] : kKinds)
      if (name == *s) return kind;
  return bad(w, "expected one of fixed, uniform, normal, lognormal, histogram");
}

// The fields of one kind: the two scalars (a, b) or the histogram's two arrays.
Status distribution_fields(const Where& w, const toml::table& t, Reader read, Distribution& d) {
  for (auto&& [key, node] : t) {
    std::string_view name = key.str();
    Where f = child(w, name, node);
    if (name == "dist") continue;
    bool first = name == field_name(d.kind, false);
    bool second = d.kind != K::fixed && name == field_name(d.kind, true);
    if (!first && !second)
      return bad(f, "unknown field for this dist (expected " + std::string(field_name(d.kind, false)) +
                        (d.kind == K::fixed ? "" : ", " + std::string(field_name(d.kind, true))) + ")");
    if (d.kind == K::histogram) {
      Result<std::vector<double>> list = numbers(f, first ? read : number);
      if (!list) return list.error();
      (first ? d.bounds : d.weights) = *list;
      continue;
    }
    // normal's stddev and every other second field are in the same unit as the first.
    Result<double> v = read(f);
    if (!v) return v.error();
    (first ? d.a : d.b) = *v;
  }
  for (bool second : {false, true}) {
    if (second && d.kind == K::fixed) break;
    std::string_view name = field_name(d.kind, second);
    if (!t.contains(name)) return bad(w, "missing field '" + std::string(name) + "'");
  }
  return {};
}

// A distribution: an inline table with `dist`, or a plain value meaning `fixed`.
Result<Distribution> distribution(const Where& w, Reader read) {
  Distribution d;
  const toml::table* t = w.node.as_table();
  if (!t) {
    Result<double> v = read(w);
    if (!v) return v.error();
    d.a = *v;
    return d;
  }
  const toml::node* dist = t->get("dist");
  if (!dist) return bad(w, "missing field 'dist' (fixed, uniform, normal, lognormal, histogram)");
  Result<K> kind = kind_of(child(w, "dist", *dist));
  if (!kind) return kind.error();
  d.kind = *kind;
  if (Status s = distribution_fields(w, *t, read, d); !s) return s.error();
  return d;
}

Status status_mix(const Where& w, Route& r) {
  const toml::table* t = w.node.as_table();
  if (!t) return bad(w, "expected a table of status = share, e.g. { 500 = 0.005 }");
  for (auto&& [key, node] : *t) {
    Where f = child(w, key.str(), node);
    Result<int64_t> code = parse_count(key.str(), 100, 599);
    if (!code) return bad(f, "status code: " + code.error().message);
    Result<double> share = number(f);
    if (!share) return share.error();
    r.status_mix.push_back({static_cast<int>(*code), *share});
  }
  return {};
}

Result<std::string> text(const Where& w) {
  if (auto s = w.node.value_exact<std::string>()) return *s;
  return bad(w, "expected a string");
}

Status route_field(const Where& f, std::string_view name, Route& r) {
  if (name == "path" || name == "method") {
    Result<std::string> s = text(f);
    if (!s) return s.error();
    (name == "path" ? r.path : r.method) = *s;
  } else if (name == "weight" || name == "raise") {
    Result<double> v = number(f);
    if (!v) return v.error();
    (name == "weight" ? r.weight : r.raise_share) = *v;
  } else if (name == "cpu" || name == "io" || name == "response_bytes") {
    Result<Distribution> d = distribution(f, name == "response_bytes" ? bytes : seconds);
    if (!d) return d.error();
    (name == "cpu" ? r.cpu : name == "io" ? r.io : r.response_bytes) = *d;
  } else if (name == "status") {
    return status_mix(f, r);
  } else {
    return bad(f, "unknown key (path, method, weight, cpu, io, response_bytes, status, raise)");
  }
  return {};
}

Result<Route> route(const Where& w) {
  const toml::table* t = w.node.as_table();
  if (!t) return bad(w, "expected a [[route]] table");
  Route r;
  for (auto&& [key, node] : *t)
    if (Status s = route_field(child(w, key.str(), node), key.str(), r); !s) return s.error();
  if (!t->contains("path")) return bad(w, "missing key 'path'");
  return r;
}

Status profile_header(const std::string& source, const toml::node& node, Profile& p) {
  Where w{source, "profile", node};
  const toml::table* t = node.as_table();
  if (!t) return bad(w, "expected a [profile] table");
  for (auto&& [key, value] : *t) {
    Where f = child(w, key.str(), value);
    if (key.str() != "name") return bad(f, "unknown key (name)");
    Result<std::string> name = text(f);
    if (!name) return name.error();
    p.name = *name;
  }
  return {};
}

// validate() names the key ('route[2].cpu.p99'); the deepest node of that key that exists
// gives the position.
Error positioned_validation(const std::string& source, const toml::table& root,
                            const Error& e) {
  const std::string& m = e.message;
  size_t close = m.size() > 1 && m[0] == '\'' ? m.find('\'', 1) : std::string::npos;
  if (close == std::string::npos) return error_at(source, {}, m);
  std::string key = m.substr(1, close - 1);
  for (;;) {
    if (toml::node_view<const toml::node> v = toml::at_path(root, key))
      return error_at(source, v.node()->source().begin, m);
    size_t cut = key.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) return error_at(source, {}, m);
    key.resize(cut);
  }
}

Result<Profile> profile_of(const toml::table& root, const std::string& source) {
  Profile p;
  for (auto&& [key, node] : root) {
    std::string_view name = key.str();
    if (name == "profile") {
      if (Status s = profile_header(source, node, p); !s) return s.error();
    } else if (name == "route") {
      Where w{source, "route", node};
      const toml::array* routes = node.as_array();
      if (!routes) return bad(w, "expected [[route]] tables");
      for (size_t i = 0; i < routes->size(); ++i) {
        Result<Route> r = route(Where{source, "route[" + std::to_string(i) + "]", *routes->get(i)});
        if (!r) return r.error();
        p.routes.push_back(std::move(*r));
      }
    } else {
      return bad(Where{source, std::string(name), node}, "unknown table (profile, route)");
    }
  }
  if (Status s = validate(p); !s) return positioned_validation(source, root, s.error());
  return p;
}

}  // namespace

Result<Profile> parse_profile(const std::string& text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return error_at(source_name, e.source().begin, std::string(e.description()));
  }
  return profile_of(root, source_name);
}

Result<Profile> read_profile_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read the profile", kExitUsage};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{path + ": cannot read the profile", kExitUsage};
  return parse_profile(text.str(), path);
}

}  // namespace wpm::cli
