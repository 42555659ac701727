#!/usr/bin/env bash
# Runs shellcheck on every shell file of the repository (or of DIR): files named *.sh or *.bash, and
# files whose first line is a sh/bash/dash/ksh shebang. Files are those git tracks or would track
# (untracked, not ignored), or every file under DIR when DIR is not a git work tree. Each file is
# checked from its own folder with -x, so `source` paths relative to the script resolve; settings
# come from the nearest .shellcheckrc (test/localenv has one).
#
#   bash tools/shellcheck.sh [DIR]     DIR: default the repository root
# Prints `ok FILE` or `FAIL FILE` with shellcheck's findings, then one line
# `shellcheck: N passed, M failed` (one per file). Exit 1 when a file failed or none was found.
set -euo pipefail
root=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
command -v shellcheck >/dev/null || { echo "shellcheck: not installed (bash scripts/setup.sh --only apt, or apt-get install -y shellcheck)" >&2; exit 1; }

# is_shell FILE: its name ends in .sh/.bash, or its first line is a shell shebang.
is_shell() {
  case "$1" in *.sh | *.bash) return 0 ;; esac
  local first
  IFS= read -r first <"$1" 2>/dev/null || return 1
  [[ $first =~ ^#![[:space:]]*[^[:space:]]*/(env[[:space:]]+)?(ba|da|k)?sh([[:space:]]|$) ]]
}

if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t candidates < <(cd "$root" && git ls-files -co --exclude-standard | LC_ALL=C sort)
else
  mapfile -t candidates < <(cd "$root" && find . -type f ! -path '*/node_modules/*' ! -path '*/.git/*' | sed 's#^\./##' | LC_ALL=C sort)
fi
passed=0 failed=0
for f in "${candidates[@]}"; do
  if [ ! -f "$root/$f" ] || [ -L "$root/$f" ]; then continue; fi
  case "$f" in node_modules/* | */node_modules/*) continue ;; esac
  is_shell "$root/$f" || continue
  if out=$(cd "$root/$(dirname "$f")" && shellcheck -x "$(basename "$f")" 2>&1); then
    echo "ok   $f"
    passed=$((passed + 1))
  else
    echo "FAIL $f"
    printf '%s\n' "$out" | sed 's/^/     /'
    failed=$((failed + 1))
  fi
done
echo "shellcheck: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
