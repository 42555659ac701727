#!/usr/bin/env bash
# Runs `go vet` and `go test` of each vk8s Go stand-in in place, from its committed go.mod and
# go.sum (-mod=readonly: nothing is resolved or rewritten; a module that needs `go mod tidy`
# fails). Needs Go (tools/toolchain.sh uses /usr/local/go) and node on PATH (the output is read
# with node; langhost-nodejs's tests run node too).
#
#   bash tools/standins/gotest.sh [NAME...] [-- go test flags...]
#     NAME   a folder of tools/standins (default: every folder with a go.mod)
# Prints each module's `go test` output, then one line `gotest: N passed, M failed` counting
# top-level Test functions (from `go test -json`; a module whose vet or build fails counts 1 failed).
# Exit 1 when anything failed.
set -euo pipefail
export PATH="/usr/local/go/bin:$PATH" GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
names=() flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; flags=("$@"); break ;;
    *) names+=("$1"); shift ;;
  esac
done
if [ ${#names[@]} -eq 0 ]; then
  for d in "$here"/*/go.mod; do names+=("$(basename "$(dirname "$d")")"); done
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/vk8s-gotest.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
for name in "${names[@]}"; do
  mod="$here/$name"
  if [ ! -f "$mod/go.mod" ]; then
    echo "gotest: tools/standins/$name has no go.mod (a stand-in is a folder of tools/standins with a committed go.mod and go.sum)" >&2
    exit 2
  fi
  echo "-- $name: go vet, go test"
  if ! (cd "$mod" && nice -n 10 go vet ./...); then
    echo "$name: go vet failed"
    failed=$((failed + 1))
    continue
  fi
  (cd "$mod" && nice -n 10 go test -count=1 -json ${flags[@]+"${flags[@]}"} ./...) >"$work/$name.json" 2>&1 || true
  # Prints go test's own output; writes "passed failed" (top-level Test functions) to .counts.
  # shellcheck disable=SC2016 # a JavaScript program: its ${...} are JavaScript's, not the shell's
  node -e '
    const fs = require("fs");
    const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
    let p = 0, f = 0, broken = lines.length === 0;
    for (const line of lines) {
      let e;
      try { e = JSON.parse(line); } catch { process.stdout.write(line + "\n"); broken = true; continue; }
      if (e.Action === "output" || e.Action === "build-output") process.stdout.write(e.Output);
      if (e.Action === "build-fail") broken = true;
      if (e.Test && !e.Test.includes("/")) { if (e.Action === "pass") p++; if (e.Action === "fail") f++; }
      if (!e.Test && e.Action === "fail") broken = true;
    }
    fs.writeFileSync(process.argv[2], `${p} ${f + (broken && f === 0 ? 1 : 0)}\n`);
  ' "$work/$name.json" "$work/$name.counts"
  read -r p f <"$work/$name.counts"
  echo "$name: $p passed, $f failed"
  passed=$((passed + p)) failed=$((failed + f))
done
echo "gotest: $passed passed, $failed failed"
[ "$failed" = 0 ]
