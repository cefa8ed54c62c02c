#!/usr/bin/env bash
# CI job: build wpm, run a short benchmark, push the results to a Pushgateway and fail the job
# when performance regressed against the previous run's report.
#
#   PUSHGATEWAY_URL=http://pushgateway:9091 examples/ci-bench-push.sh [extra wpm bench flags]
#
# Extra flags come after the script's own, and a repeated flag keeps its last value, so
# `examples/ci-bench-push.sh --connections 4` overrides WPM_CONNECTIONS.
#
# Environment (all optional):
#   PUSHGATEWAY_URL      gateway base URL; unset = no push (reports and gate only)
#   WPM_PUSH_USERNAME    basic-auth credentials, read by wpm itself: never put them in the URL
#   WPM_PUSH_PASSWORD    or on a command line, where `ps` and CI logs would show them
#   CI_BRANCH, CI_RUNNER grouping labels (default: the git branch / CI variables, the hostname)
#   WPM_PUSH_JOB         grouping job (default wpm_bench)
#   WPM_OUT              report directory (default wpm-report)
#   WPM_BASELINE         previous report.json (default .wpm-baseline/report.json); when it exists
#                        the run is gated with WPM_FAIL_ON. Cache this path between CI runs.
#   WPM_FAIL_ON          thresholds (default 'p99>+25%,rps<-15%', see `wpm bench --help`)
#   WPM_CLASSES, WPM_DURATION, WPM_WARMUP, WPM_CONNECTIONS   the scenario (sync,thread 3s 1s 8)
#   WPM_BIN              use this wpm binary and skip `make build`
#
# Exit code: wpm's (0 ok, 1 runtime failure, 2 usage, 3 regression or reconciliation failed,
# 4 the Pushgateway could not be reached or refused the push). The reports under WPM_OUT are
# written before any push, so they can be archived as CI artifacts whatever happened.
set -euo pipefail

cd "$(dirname "$0")/.."

if [ -z "${WPM_BIN:-}" ]; then
  make build            # scripts/setup.sh build (compiler and libraries only), a release build
  WPM_BIN=build/release/wpm
fi

# Grouping labels must be stable (job, branch, runner): a run id or commit would make the
# gateway keep one group per run forever.
branch=${CI_BRANCH:-${GITHUB_HEAD_REF:-${GITHUB_REF_NAME:-${CI_COMMIT_REF_NAME:-}}}}
[ -n "$branch" ] || branch=$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
runner=${CI_RUNNER:-${RUNNER_NAME:-${CI_RUNNER_DESCRIPTION:-$(hostname)}}}
out=${WPM_OUT:-wpm-report}
baseline=${WPM_BASELINE:-.wpm-baseline/report.json}

args=(bench --no-progress --out "$out"
      --worker-class "${WPM_CLASSES:-sync,thread}"
      --duration "${WPM_DURATION:-3s}" --warmup "${WPM_WARMUP:-1s}"
      --connections "${WPM_CONNECTIONS:-8}")

if [ -n "${PUSHGATEWAY_URL:-}" ]; then
  case "$PUSHGATEWAY_URL" in
    *://*@*) echo "ci-bench-push: put credentials in WPM_PUSH_USERNAME/WPM_PUSH_PASSWORD, not in PUSHGATEWAY_URL" >&2
             exit 2 ;;
  esac
  args+=(--push-url "$PUSHGATEWAY_URL" --push-job "${WPM_PUSH_JOB:-wpm_bench}"
         --push-label "branch=$branch" --push-label "runner=$runner")
fi

# The previous run's report is the baseline; copy it aside first: this run overwrites $out.
gate=""
if [ -f "$baseline" ]; then
  gate=$(mktemp "${TMPDIR:-/tmp}/wpm-baseline.XXXXXX.json")
  trap 'rm -f "$gate"' EXIT
  cp "$baseline" "$gate"
  args+=(--baseline "$gate" --fail-on "${WPM_FAIL_ON:-p99>+25%,rps<-15%}")
else
  echo "ci-bench-push: no baseline at $baseline: this run is not gated" >&2
fi

code=0
"$WPM_BIN" "${args[@]}" "$@" || code=$?

# Only a clean run becomes the next baseline, so one regression cannot hide the next.
if [ "$code" -eq 0 ] && [ -f "$out/report.json" ]; then
  mkdir -p "$(dirname "$baseline")"
  cp "$out/report.json" "$baseline"
fi
echo "ci-bench-push: wpm bench exited $code (branch=$branch runner=$runner)" >&2
exit "$code"
