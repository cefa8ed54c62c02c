#!/usr/bin/env bash
# Installs every Debian package wpm needs to build, test and benchmark.
# Idempotent: does nothing when all packages are present. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git clang libclang-rt-14-dev
  libcli11-dev libtomlplusplus-dev libcpp-httplib-dev nlohmann-json3-dev
  libboost-dev libboost-context-dev libboost-filesystem-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus prometheus-pushgateway wrk nginx-light curl python3 python3-prometheus-client python3-pytest gunicorn
  chromium procps
  python3-jsonschema python3-bcrypt python3-pil libssl-dev openssl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
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
