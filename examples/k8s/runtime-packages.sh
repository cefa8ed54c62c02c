#!/bin/sh
# Prints the Debian packages that provide the shared libraries the given binaries load, one a
# line, sorted: what the runtime image must install and nothing more. Run where the binaries
# were built (the Containerfile's build stage), with dpkg's database of that system.
#   examples/k8s/runtime-packages.sh build/release/wpm build/release/wpm-worker
set -eu
[ $# -ge 1 ] || { echo "usage: runtime-packages.sh BINARY..." >&2; exit 2; }
libs=""
for bin in "$@"; do
  [ -x "$bin" ] || { echo "runtime-packages.sh: $bin: not an executable" >&2; exit 2; }
  libs="$libs $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')"
done
owners=""
for lib in $(printf '%s\n' $libs | sort -u); do
  # Debian 12 merged /lib into /usr/lib, but dpkg may know a file by either name.
  real=$(readlink -f "$lib")
  owner=""
  for path in "$lib" "$real" "/usr$real" "${real#/usr}"; do
    owner=$(dpkg -S "$path" 2>/dev/null | head -n1 | cut -d: -f1)
    [ -z "$owner" ] || break
  done
  [ -n "$owner" ] || { echo "runtime-packages.sh: no Debian package provides $lib" >&2; exit 1; }
  owners="$owners $owner"
done
printf '%s\n' $owners | sort -u
