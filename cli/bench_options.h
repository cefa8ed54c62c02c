// `wpm bench` options: flags, the [bench] / [pool] tables of a TOML file, and the embedded
// default scenario that `wpm bench` runs with no arguments. The struct they fill is
// bench/options.h.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "bench/options.h"
#include "core/result.h"

namespace wpm::cli {

using bench::BenchOptions;
using bench::InjectSpec;

Result<InjectSpec> parse_inject(const std::string& text);

// The scenario of a bare `wpm bench` (and `make run`): every worker class, a short mixed load,
// a quit and an abort injected mid-run.
BenchOptions default_scenario();

void add_bench_flags(CLI::App& app, BenchOptions& options, std::vector<std::string>& injects,
                     std::string& classes);
// Applies the raw --inject / --worker-class texts after parsing.
Status finish_bench_options(BenchOptions& options, const std::vector<std::string>& injects,
                            const std::string& classes);
Status load_bench_config(const std::string& path, BenchOptions& options);

}  // namespace wpm::cli
