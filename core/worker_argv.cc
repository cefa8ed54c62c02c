// The `wpm worker` argv: one table of (flag, field) pairs, written and read by the same code.
#include <charconv>
#include <set>

#include "core/options.h"

namespace wpm {
namespace {

// Text forms, one pair per field type. Doubles use the shortest text that reads back exactly.
std::string to_text(const std::string& v) { return v; }
std::string to_text(bool v) { return v ? "true" : "false"; }
std::string to_text(WorkerClass v) { return std::string(to_string(v)); }
std::string to_text(LogLevel v) { return std::string(to_string(v)); }
template <class Number>
std::string to_text(Number v) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

bool from_text(std::string_view t, std::string& v) {
  v = std::string(t);
  return true;
}
bool from_text(std::string_view t, bool& v) {
  if (t != "true" && t != "false") return false;
  v = t == "true";
  return true;
}
bool from_text(std::string_view t, WorkerClass& v) {
  std::optional<WorkerClass> c = parse_name<WorkerClass>(t, kWorkerClassNames);
  if (c) v = *c;
  return c.has_value();
}
bool from_text(std::string_view t, LogLevel& v) { return parse_log_level(t, v); }
template <class Number>
bool from_text(std::string_view t, Number& v) {
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  return ec == std::errc() && end == t.data() + t.size();
}

struct Field {
  std::string_view flag;
  std::string (*write)(const WorkerOptions&);
  bool (*read)(std::string_view, WorkerOptions&);
};

template <auto Member>
constexpr Field field(std::string_view flag) {
  return {flag, [](const WorkerOptions& o) { return to_text(o.*Member); },
          [](std::string_view text, WorkerOptions& o) { return from_text(text, o.*Member); }};
}

using O = WorkerOptions;
// Every WorkerOptions field, once.
constexpr Field kFields[] = {
    field<&O::worker_class>("--worker-class"),
    field<&O::listen_fd>("--listen-fd"),
    field<&O::segment_fd>("--segment-fd"),
    field<&O::slot>("--slot"),
    field<&O::index>("--index"),
    field<&O::threads>("--threads"),
    field<&O::worker_connections>("--worker-connections"),
    field<&O::keepalive_s>("--keepalive"),
    field<&O::graceful_timeout_s>("--graceful-timeout"),
    field<&O::timeout_s>("--timeout"),
    field<&O::max_requests>("--max-requests"),
    field<&O::max_body_buffer>("--max-body-buffer"),
    field<&O::allow_crash>("--allow-crash"),
    field<&O::metrics>("--metrics"),
    field<&O::log_level>("--log-level"),
    field<&O::name>("--name"),
    field<&O::ready_fd>("--ready-fd"),
    field<&O::profile>("--profile"),
    field<&O::fork_server_fd>("--fork-server-fd"),
};

constexpr std::string_view kCommand = "worker";

Error usage(const std::string& why) { return Error{"wpm worker: " + why, kExitUsage}; }

const Field* find_field(std::string_view flag) {
  for (const Field& f : kFields)
    if (f.flag == flag) return &f;
  return nullptr;
}

}  // namespace

std::vector<std::string> worker_argv(const WorkerOptions& options) {
  std::vector<std::string> argv{std::string(kCommand)};
  for (const Field& f : kFields) {
    argv.emplace_back(f.flag);
    argv.push_back(f.write(options));
  }
  return argv;
}

Result<WorkerOptions> parse_worker_argv(std::span<const std::string_view> argv) {
  if (argv.empty() || argv.front() != kCommand) return usage("argv must start with 'worker'");
  WorkerOptions options;
  std::set<std::string_view> seen;
  for (size_t i = 1; i < argv.size(); i += 2) {
    const Field* f = find_field(argv[i]);
    if (f == nullptr) return usage("unknown option '" + std::string(argv[i]) + "'");
    if (!seen.insert(f->flag).second) return usage(std::string(f->flag) + " given twice");
    if (i + 1 == argv.size()) return usage(std::string(f->flag) + " needs a value");
    if (!f->read(argv[i + 1], options))
      return usage("invalid value '" + std::string(argv[i + 1]) + "' for " + std::string(f->flag));
  }
  for (const Field& f : kFields)
    if (!seen.contains(f.flag)) return usage("missing " + std::string(f.flag));
  return options;
}

}  // namespace wpm
