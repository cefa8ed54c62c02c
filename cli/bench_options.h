// `wpm bench` options: one table (cli/flag_model.h) gives the flags, the TOML keys of a config
// file, the validation, --help, the man page and the report's config section. The struct it
// fills is bench/options.h. The embedded default scenario is the base every run starts from.
#pragma once

#include <string>

#include "bench/options.h"
#include "cli/flag_model.h"
#include "core/result.h"

namespace wpm::cli {

using bench::BenchOptions;
using bench::InjectSpec;

// "AT:SIGNAL[:worker=K]", e.g. 2s:abort:worker=0.
Result<InjectSpec> parse_inject(const std::string& text);

// The scenario of a bare `wpm bench` (and `make run`), and the base that a config file and
// flags override: every worker class, a short mixed load, a quit and an abort injected mid-run.
BenchOptions default_scenario();

OptionTable<BenchOptions> bench_option_table();

// The checks that need more than one value or a file (injections within the run, the baseline
// report, at most one report on stdout): run once every value is in, before anything starts.
// The default scenario's injections that no longer fit (a shorter --duration, fewer --workers,
// a --target) are dropped with a notice; explicit ones that do not fit are errors.
Status validate_bench(BenchOptions& options);

// --profile: reads the profile (errors at file:line:col, exit 2) into options.profile; it is
// the path mix, so --path with it is a usage error. Without it, paths left empty (neither the
// file nor a flag set them) become the default scenario's mix.
Status apply_profile(BenchOptions& options);

}  // namespace wpm::cli
