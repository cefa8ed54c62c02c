#!/usr/bin/env bash
# The folder dependency DAG of docs/ARCHITECTURE.md, checked on #include lines and on the
# CMake link edges:
#   core <- {workers, loadgen, supervisor, reports} <- bench <- cli
# bench may use only the supervisor's public control API (supervisor/control*.h, spawner.h).
# CLI11 and toml++ appear only in cli/. Prints every violation; exit 1 if there is one.
# Usage: scripts/check_layering.sh [ROOT]   (default: the repository this script lives in)
set -euo pipefail
root=${1:-"$(cd "$(dirname "$0")/.." && pwd)"}
cd "$root"

folders=(core workers loadgen supervisor reports bench cli)

# The folders (and, for bench, the supervisor headers) a folder may include.
allowed_pattern() {
  case "$1" in
    core) echo '^core/' ;;
    workers | loadgen | supervisor | reports) echo "^($1|core)/" ;;
    bench) echo '^(bench|core|loadgen|reports)/|^supervisor/(control[a-z_]*|spawner)\.h$' ;;
    cli) echo '^(cli|bench|core|workers|loadgen|supervisor|reports)/' ;;
  esac
}

# The wpm_* libraries a folder's library may link.
allowed_links() {
  case "$1" in
    core) echo 'wpm_core' ;;
    workers | loadgen | supervisor | reports) echo "wpm_$1 wpm_core" ;;
    bench) echo 'wpm_bench wpm_core wpm_loadgen wpm_reports wpm_supervisor' ;;
    cli) echo 'wpm_cli wpm_worker_command wpm_bench wpm_core wpm_workers wpm_loadgen wpm_supervisor wpm_reports' ;;
  esac
}

violations=0
report() {
  echo "layering: $*" >&2
  violations=$((violations + 1))
}

check_includes() {
  local dir=$1 pattern
  pattern=$(allowed_pattern "$dir")
  while IFS=: read -r file line header; do
    [[ $header =~ ^(core|workers|loadgen|supervisor|reports|bench|cli)/ ]] || continue
    [[ $header =~ $pattern ]] || report "$file:$line includes \"$header\" ($dir/ may not)"
  done < <(grep -rnoE '^#include "[^"]+"' --include='*.h' --include='*.cc' "$dir" |
           sed -E 's/#include "([^"]+)"/\1/')
  if [[ $dir != cli ]]; then
    while IFS= read -r hit; do
      report "$hit (CLI11 and toml++ belong in cli/ only)"
    done < <(grep -rnE '^#include [<"](CLI/|toml\+\+/)' --include='*.h' --include='*.cc' "$dir" || true)
  fi
}

check_links() {
  local dir=$1 allowed lib
  allowed=" $(allowed_links "$dir") "
  [[ -f $dir/CMakeLists.txt ]] || return 0
  # Every wpm_* name inside a target_link_libraries(...) call, which may span lines.
  for lib in $(tr '\n' ' ' < "$dir/CMakeLists.txt" |
               grep -oE 'target_link_libraries\([^)]*\)' | grep -oE '\bwpm_[a-z_]+' || true); do
    [[ $allowed == *" $lib "* ]] || report "$dir/CMakeLists.txt links $lib ($dir/ may not)"
  done
}

for dir in "${folders[@]}"; do
  [[ -d $dir ]] || continue
  check_includes "$dir"
  check_links "$dir"
done

if ((violations > 0)); then
  echo "layering: $violations violation(s) of the folder DAG" >&2
  exit 1
fi
echo "layering: ok (${folders[*]})"
