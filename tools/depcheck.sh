#!/usr/bin/env bash
# The dependency rules of src/ (.dependency-cruiser.cjs, checked by dependency-cruiser): no
# cycle between folders of src/, and src/ never imports @pulumi/* or components/.
#
#   bash tools/depcheck.sh [ROOT]   ROOT: a tree with src/ (and maybe components/), a
#                                   tsconfig.json and .dependency-cruiser.cjs (default: this repository)
# Prints each violation (rule, from -> to, the cycle), then one line
# `depcheck: N passed, M failed`: N rules without a violation, M violations. Exit 1 on any.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=$(cd "${1:-$repo}" && pwd)
# dependency-cruiser runs on Node.js 22 or later: put the project's Node on PATH.
# shellcheck source=/dev/null
. "$repo/scripts/node22.sh"
depcruise="$repo/node_modules/.bin/depcruise"
[ -x "$depcruise" ] || { echo "depcheck: $depcruise is missing: run npm ci (dependency-cruiser is a devDependency)" >&2; exit 1; }
out=$(mktemp "${TMPDIR:-/tmp}/vk8s-depcheck.XXXXXX")
trap 'rm -f "$out"' EXIT
dirs=(src)
[ -d "$root/components" ] && dirs+=(components)
# Exit status 1..n counts violations; the JSON says which.
(cd "$root" && "$depcruise" "${dirs[@]}" --config .dependency-cruiser.cjs --output-type json) >"$out" || true
# shellcheck disable=SC2016 # a JavaScript program: its ${...} are JavaScript's, not the shell's
node -e '
  const fs = require("fs");
  let r;
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) {
    console.log("depcheck: dependency-cruiser gave no result: " + e.message);
    console.log("depcheck: 0 passed, 1 failed");
    process.exit(1);
  }
  const rules = (r.summary.ruleSetUsed.forbidden || []).map((x) => x.name);
  const violations = r.summary.violations || [];
  for (const v of violations) {
    const cycle = v.cycle ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name ?? c)].join(" -> ")})` : "";
    console.log(`FAIL ${v.rule.name}: ${v.from} -> ${v.to}${cycle}`);
  }
  const broken = new Set(violations.map((v) => v.rule.name));
  for (const name of rules) if (!broken.has(name)) console.log(`ok   ${name}`);
  console.log(`depcheck: ${rules.filter((n) => !broken.has(n)).length} passed, ${violations.length} failed` +
    ` (${r.summary.totalCruised} modules, ${r.summary.totalDependenciesCruised} dependencies)`);
  process.exit(violations.length ? 1 : 0);
' "$out"
