// The flag model: one declaration per option drives flags, TOML keys, validation, the report's
// config section, the man page and the completions; these tests hold them together.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "cli/bench_command.h"
#include "cli/docs_gen.h"
#include "cli/serve_command.h"

namespace wpm::cli {
namespace {

// Parses `wpm <args...>` like main() and resolves the options: defaults < file < flags.
template <class Command, class Add, class Resolve>
Result<Command*> parse(Command& cmd, Add add, Resolve resolve, std::vector<std::string> args) {
  CLI::App app{"wpm"};
  add(app, cmd);
  args.insert(args.begin(), "wpm");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return Error{e.what(), kExitUsage};
  }
  if (Status s = resolve(cmd); !s) return s.error();
  return &cmd;
}

Result<BenchOptions> bench(std::vector<std::string> args) {
  BenchCommand cmd;
  args.insert(args.begin(), "bench");
  Result<BenchCommand*> r = parse(cmd, add_bench_command, resolve_bench, args);
  if (!r) return r.error();
  return cmd.options;
}

Result<ServeOptions> serve(std::vector<std::string> args) {
  ServeCommand cmd;
  args.insert(args.begin(), "serve");
  Result<ServeCommand*> r = parse(cmd, add_serve_command, resolve_serve, args);
  if (!r) return r.error();
  return cmd.options;
}

std::string temp_toml(const std::string& text) {
  char path[] = "/tmp/wpm-flag-model-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(BenchFlags, RepeatedScalarFlagKeepsTheLast) {
  Result<BenchOptions> o = bench({"--connections", "4", "--connections", "8", "-d", "3s", "-d", "5s"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->connections, 8u);
  EXPECT_EQ(o->duration_s, 5);
}

TEST(BenchFlags, OverrideTheDefaultScenarioInsteadOfReplacingIt) {
  BenchOptions base = default_scenario();
  Result<BenchOptions> o = bench({"-o", "elsewhere"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->out_dir, "elsewhere");
  EXPECT_EQ(o->paths, base.paths);
  EXPECT_EQ(o->duration_s, base.duration_s);
  ASSERT_EQ(o->injects.size(), 2u);
  EXPECT_EQ(o->classes.size(), 4u);
}

TEST(BenchFlags, ListsReplaceTheDefaultItems) {
  Result<BenchOptions> o = bench({"--path", "/a", "--path", "/b", "-k", "sync,gevent", "--inject", "none"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->paths, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(o->classes, (std::vector<WorkerClass>{WorkerClass::sync, WorkerClass::gevent}));
  EXPECT_TRUE(o->injects.empty());
}

TEST(BenchFlags, DefaultInjectionsThatNoLongerFitAreLeftOutButExplicitOnesFail) {
  Result<BenchOptions> shorter = bench({"-d", "2s"});
  ASSERT_TRUE(shorter);
  ASSERT_EQ(shorter->injects.size(), 1u);
  EXPECT_EQ(shorter->injects[0].text, "1.5s:quit:worker=0");
  Result<BenchOptions> one_worker = bench({"-w", "1"});
  ASSERT_TRUE(one_worker);
  EXPECT_EQ(one_worker->injects.size(), 1u);
  Result<BenchOptions> explicit_late = bench({"-d", "2s", "--inject", "3s:quit"});
  ASSERT_FALSE(explicit_late);
  EXPECT_NE(explicit_late.error().message.find("--inject '3s:quit'"), std::string::npos);
}

TEST(BenchFlags, ConfigFileThenFlags) {
  std::string path = temp_toml("[pool]\nworkers = 3\n[load]\nduration = \"1m30s\"\n[push]\nretries = 7\n");
  Result<BenchOptions> o = bench({"-c", path, "--workers", "5"});
  unlink(path.c_str());
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->workers, 5u);
  EXPECT_EQ(o->duration_s, 90);
  EXPECT_EQ(o->push_retries, 7);
  EXPECT_EQ(o->config.at("load.duration"), "1m30s");
}

TEST(BenchFlags, BadValuesNameTheFlagAndAreUsageErrors) {
  const std::vector<std::vector<std::string>> cases = {
      {"--workers", "0"},         {"--rate", "-5"},          {"--fail-on", "p98>1ms"},
      {"--path", "x"},            {"--duration", "1m30"},    {"--push-timeout", "2h"},
      {"--baseline", "/nonexistent/report.json"},            {"--worker-class", "sync,bogus"},
      {"--worker-class", "sync,sync"},                       {"--push-label", "nolabel"},
      {"--target", "ftp://x"},    {"--connections", "0"},    {"--warmup", "-1"},
      {"--push-retries", "101"},  {"--inject", "soon:abort"}, {"--config", "/nonexistent.toml"}};
  for (const std::vector<std::string>& args : cases) {
    Result<BenchOptions> o = bench(args);
    ASSERT_FALSE(o) << args[0] << " " << args[1];
    EXPECT_EQ(o.error().exit_code, kExitUsage);
    EXPECT_EQ(o.error().message.rfind(args[0], 0), 0u) << o.error().message;
  }
  Result<BenchOptions> two_stdout = bench({"--json", "-", "--html", "-"});
  ASSERT_FALSE(two_stdout);
}

TEST(BenchFlags, TomlErrorsNameFileLineAndKey) {
  std::string path = temp_toml("[load]\nconnections = 8\nduration = \"soon\"\n");
  Result<BenchOptions> o = bench({"-c", path});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message.rfind(path + ":3:12: 'load.duration'", 0), 0u) << o.error().message;
  unlink(path.c_str());
}

TEST(ServeFlags, ConfigFileIsDashC) {
  std::string path = temp_toml("workers = 3\n[metrics]\nprefix = \"myapp\"\n");
  Result<ServeOptions> o = serve({"-c", path, "--workers", "1", "--workers", "2"});
  unlink(path.c_str());
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->workers, 2u);
  EXPECT_EQ(o->metrics_prefix, "myapp");
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--metrics-prefix", "9bad"}, {"--bind", "[::1"}, {"--max-requests", "-1"},
           {"--workers", "0"}, {"--timeout", "-1"}}) {
    Result<ServeOptions> r = serve(bad);
    ASSERT_FALSE(r) << bad[0];
    EXPECT_EQ(r.error().message.rfind(bad[0], 0), 0u) << r.error().message;
  }
}

// Every option's flags and TOML key are unique within its command, and every one has a key.
template <class Opts>
void expect_unique_and_keyed(const OptionTable<Opts>& table) {
  std::set<std::string> flags, keys;
  for (const Option<Opts>& opt : table.options()) {
    for (const std::string& name : split(opt.flags, ',')) EXPECT_TRUE(flags.insert(name).second) << name;
    EXPECT_FALSE(opt.key.empty()) << opt.flags << " has no TOML key";
    EXPECT_TRUE(keys.insert(opt.key).second) << opt.key;
    EXPECT_FALSE(opt.help.empty()) << opt.flags;
  }
}

TEST(Model, EveryBenchAndServeOptionHasOneFlagAndOneTomlKey) {
  expect_unique_and_keyed(bench_option_table());
  expect_unique_and_keyed(serve_option_table());
}

// A value as a TOML literal of the kind its key takes.
template <class Opts>
std::string toml_literal(const Option<Opts>& opt, const std::string& shown) {
  auto quote = [](const std::string& s) { return "\"" + s + "\""; };
  if (opt.value.shape == Shape::list) {
    std::string out;
    if (!shown.empty())
      for (const std::string& item : split(shown, ',')) out += (out.empty() ? "" : ", ") + quote(item);
    return "[" + out + "]";
  }
  bool bare = opt.value.toml == TomlKind::integer || opt.value.toml == TomlKind::number ||
              opt.value.toml == TomlKind::boolean;
  return bare ? shown : quote(shown);
}

// Writing every described value back as TOML and loading it gives the same description: the
// TOML reader, the printer and describe() agree for every option.
TEST(Model, DescribedValuesReadBackThroughTheirTomlKeys) {
  OptionTable<BenchOptions> table = bench_option_table();
  BenchOptions defaults = default_scenario();
  defaults.push_url = "http://127.0.0.1:9091";
  std::map<std::string, std::string> sections;
  for (const Option<BenchOptions>& opt : table.options()) {
    size_t dot = opt.key.find('.');
    sections[opt.key.substr(0, dot)] +=
        opt.key.substr(dot + 1) + " = " + toml_literal(opt, opt.value.show(defaults)) + "\n";
  }
  std::string text;
  for (const auto& [section, body] : sections) text += "[" + section + "]\n" + body;
  std::string path = temp_toml(text);
  BenchOptions loaded;
  Status s = table.load(path, loaded);
  unlink(path.c_str());
  ASSERT_TRUE(s) << s.error().message << "\n" << text;
  EXPECT_EQ(table.describe(loaded), table.describe(defaults));
  EXPECT_EQ(loaded.push_url, defaults.push_url);
}

TEST(Model, ReportConfigCoversEveryOptionButThePushUrl) {
  Result<BenchOptions> o = bench({"--push-url", "http://user@127.0.0.1:9091"});
  ASSERT_TRUE(o) << o.error().message;
  OptionTable<BenchOptions> table = bench_option_table();
  for (const Option<BenchOptions>& opt : table.options())
    if (opt.key != "push.url" && opt.key != "report.progress") EXPECT_EQ(o->config.count(opt.key), 1u) << opt.key;
  EXPECT_EQ(o->config.count("push.url"), 0u);
  EXPECT_EQ(o->config.at("push.retries"), "3");
}

// `word` occurs in `text` delimited by characters that cannot be part of a flag name.
bool contains_word(const std::string& text, const std::string& word) {
  auto part_of_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; };
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    bool starts = at == 0 || !part_of_name(text[at - 1]);
    bool ends = at + word.size() == text.size() || !part_of_name(text[at + word.size()]);
    if (starts && ends) return true;
  }
  return false;
}

TEST(Docs, ManPageAndCompletionsListEveryBenchFlag) {
  std::vector<CommandDoc> docs = command_docs();
  std::string man = render_man_page(docs), bash = render_bash_completion(docs),
              zsh = render_zsh_completion(docs);
  OptionTable<BenchOptions> table = bench_option_table();
  for (const Option<BenchOptions>& opt : table.options())
    for (const std::string& name : split(opt.flags, ',')) {
      std::string escaped;
      for (char c : name) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
      EXPECT_NE(man.find("\\fB" + escaped + "\\fR"), std::string::npos) << name;
      EXPECT_TRUE(contains_word(bash, name)) << name;
      EXPECT_TRUE(contains_word(zsh, name)) << name;
    }
  EXPECT_NE(man.find("load.duration"), std::string::npos);
}

}  // namespace
}  // namespace wpm::cli

namespace wpm::cli {
namespace {

TEST(Examples, ConfigFilesLoadThroughTheTables) {
  BenchOptions bench_options = default_scenario();
  Status bench_loaded = bench_option_table().load(WPM_SOURCE_DIR "/examples/bench.toml", bench_options);
  ASSERT_TRUE(bench_loaded) << bench_loaded.error().message;
  EXPECT_EQ(bench_options.injects.size(), 2u);
  ServeOptions serve_options;
  Status serve_loaded = serve_option_table().load(WPM_SOURCE_DIR "/examples/serve.toml", serve_options);
  ASSERT_TRUE(serve_loaded) << serve_loaded.error().message;
}

}  // namespace
}  // namespace wpm::cli

namespace wpm::cli {
namespace {

TEST(BenchRequestFlags, MethodHeadersBodyAndCountFromFlags) {
  Result<BenchOptions> o = bench({"--target", "http://127.0.0.1:9/x", "-X", "POST", "-H", "X-A: 1",
                                  "--header", "Authorization: Bearer s3cret", "--body", "{}", "-n", "500"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->method, "POST");
  EXPECT_EQ(o->headers, (std::vector<std::string>{"X-A: 1", "Authorization: Bearer s3cret"}));
  EXPECT_EQ(o->body, "{}");
  EXPECT_EQ(o->requests, 500u);
  EXPECT_EQ(o->paths, std::vector<std::string>{"/"});  // the target's own path, not the pool mix
  EXPECT_EQ(o->duration_s, 300);                         // -n alone: the duration is only a cap
  EXPECT_EQ(o->config.at("load.headers"), "X-A: 1,Authorization: (redacted)");
  for (const auto& [key, value] : o->config) EXPECT_EQ(value.find("s3cret"), std::string::npos) << key;
  Result<BenchOptions> both = bench({"-n", "5", "-d", "2s"});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->duration_s, 2);
}

TEST(BenchRequestFlags, TomlKeys) {
  char body_path[] = "/tmp/wpm-body-XXXXXX";
  int fd = mkstemp(body_path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "payload", 7), 7);
  close(fd);
  std::string path = temp_toml(std::string("[load]\nmethod = \"PUT\"\nheaders = [\"X-A: 1\", \"X-B: 2\"]\n") +
                               "body_file = \"" + body_path + "\"\nrequests = 42\n" +
                               "paths = [\"/a:3\", \"/b\"]\n");
  Result<BenchOptions> o = bench({"-c", path});
  unlink(path.c_str());
  unlink(body_path);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->method, "PUT");
  EXPECT_EQ(o->headers, (std::vector<std::string>{"X-A: 1", "X-B: 2"}));
  EXPECT_EQ(o->body, "payload");
  EXPECT_EQ(o->requests, 42u);
  EXPECT_EQ(o->paths, (std::vector<std::string>{"/a:3", "/b"}));
  EXPECT_EQ(o->duration_s, 300);
  std::string inline_body = temp_toml("[load]\nbody = \"x=1\"\nduration = \"2s\"\nrequests = 9\n");
  Result<BenchOptions> b = bench({"-c", inline_body});
  unlink(inline_body.c_str());
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->body, "x=1");
  EXPECT_EQ(b->duration_s, 2);  // a duration from the file counts as given
}

TEST(BenchRequestFlags, BadValuesNameTheFlag) {
  const std::vector<std::vector<std::string>> cases = {
      {"--header", "Bad Name: x"}, {"--header", "X: a\r\nY: b"}, {"--header", "Connection: close"},
      {"--method", "G ET"},        {"--path", "/a:b"},           {"--path", "/a:-2"},
      {"--requests", "-1"},        {"--body-file", "/nonexistent/body"}};
  for (const std::vector<std::string>& args : cases) {
    Result<BenchOptions> o = bench(args);
    ASSERT_FALSE(o) << args[0] << " " << args[1];
    EXPECT_EQ(o.error().exit_code, kExitUsage);
    EXPECT_EQ(o.error().message.rfind(args[0], 0), 0u) << o.error().message;
  }
}

}  // namespace
}  // namespace wpm::cli
