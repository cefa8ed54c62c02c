#!/usr/bin/env bash
# Installs the Debian packages wpm needs, by purpose:
#   setup.sh build    what `make build` / `make run` need: a compiler and the libraries
#   setup.sh test     build + what `make test` / `make bench` need: GoogleTest, clang (fuzzing),
#                     Prometheus, the Pushgateway, Chromium, nginx, wrk, gunicorn, Python modules
#   setup.sh          the same as `setup.sh test` (everything)
#   setup.sh --list build|test   prints that set's packages, one a line, and installs nothing
# The test set also installs the Kubernetes schema validator of tests/k8s (`npm ci`, from its
# package-lock.json) when it is missing or its lock file changed.
# Idempotent: does nothing when the set is installed. Run as root (or with sudo).
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config
  libcli11-dev libtomlplusplus-dev libcpp-httplib-dev nlohmann-json3-dev libssl-dev
  libboost-dev libboost-context-dev libboost-filesystem-dev
)
test_packages=(
  "${build_packages[@]}"
  git clang libclang-rt-14-dev libgtest-dev libgmock-dev libbenchmark-dev
  prometheus prometheus-pushgateway wrk nginx-light curl openssl procps chromium gunicorn
  python3 python3-prometheus-client python3-pytest python3-jsonschema python3-bcrypt python3-pil
  python3-yaml nodejs
)

usage() {
  echo "usage: scripts/setup.sh [--list] [build|test]" >&2
  exit 2
}

list=0
if [ "${1:-}" = "--list" ]; then list=1; shift; fi
[ $# -le 1 ] || usage
case "${1:-test}" in
  build) packages=("${build_packages[@]}") ;;
  test) packages=("${test_packages[@]}") ;;
  *) echo "scripts/setup.sh: unknown set '$1' (build or test)" >&2; exit 2 ;;
esac
if [ $list -eq 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

install_missing() {
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}" >&2

  # Packaged daemons (nginx, prometheus, pushgateway) must not start on install:
  # tests start their own instances on loopback ports and stop them by PID.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    made_policy=1
  fi
  trap '[ $made_policy -eq 1 ] && $sudo rm -f "$policy"' EXIT

  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# tests/k8s: `npm ci` from the lock file, again only when the lock file changed since the last
# install (its copy in node_modules is the stamp). Debian's npm comes with Debian's nodejs; a
# node from elsewhere brings its own.
install_k8s_validator() {
  local dir stamp
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/k8s"
  stamp="$dir/node_modules/.wpm-installed-lock.json"
  cmp -s "$dir/package-lock.json" "$stamp" 2>/dev/null && return 0
  if ! command -v npm >/dev/null; then
    echo "setup: installing npm" >&2
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "setup: npm ci in tests/k8s" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$dir/package-lock.json" "$stamp"
}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
install_missing
if [ "${1:-test}" = "test" ]; then install_k8s_validator; fi
