#!/usr/bin/env bash
# The test command of the README: everything CI runs, on a fresh machine too.
#   bash scripts/test.sh            unit + component tests (jest), Python tests (fl/), e2e tier
#   VK8S_SKIP_E2E=1 bash scripts/test.sh    without the real-engine tier
#   VK8S_SKIP_REAL=1 bash scripts/test.sh   without the real tier (real vNodes)
#   VK8S_SKIP_PACKAGE=1 bash scripts/test.sh    without the package tier (npm pack + fresh installs)
#   VK8S_SKIP_LOCALENV=1 bash scripts/test.sh   without the local environment's self-test
# Besides the tiers it checks the code's shape: src/'s dependency rules (dependency-cruiser), the
# Go stand-ins' tests (go test, from their committed modules) and every shell file (shellcheck).
# The package tier runs after the e2e tier, whose toolchain its `pulumi preview` check uses.
# Installs what it needs through scripts/setup.sh, the set-up the quickstart uses too.
# Ends with one line `vk8s: N passed, N failed` summing every tier.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. scripts/node22.sh
echo "vk8s: node $(node --version), npm $(npm --version)"
results=$(mktemp -d)
passed=0 failed=0 status=0
count_jest() { # file -> adds to passed/failed
  local p f
  p=$(node -p "require('$1').numPassedTests" 2>/dev/null || echo 0)
  f=$(node -p "const r=require('$1'); r.numFailedTests + (r.numRuntimeErrorTestSuites||0)" 2>/dev/null || echo 1)
  passed=$((passed + p)); failed=$((failed + f))
}

echo "== unit and component tests (jest)"
CI=${CI:-} npx jest --json --outputFile="$results/jest.json" || status=1
count_jest "$results/jest.json"

# count_summary NAME FILE: adds N and M of FILE's last `NAME: N passed, M failed` line (none: 1 failed).
count_summary() {
  local line p f
  line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed" "$2" 2>/dev/null | tail -n 1)
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  read -r p f < <(sed -E 's/^[^:]*: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f))
}

echo "== dependency rules of src/ (dependency-cruiser)"
if bash tools/depcheck.sh | tee "$results/deps.out"; then :; else status=1; fi
count_summary depcheck "$results/deps.out"

echo "== Go stand-ins (go vet, go test)"
if bash tools/standins/gotest.sh | tee "$results/gotest.out"; then :; else status=1; fi
count_summary gotest "$results/gotest.out"

echo "== shell files (shellcheck)"
if bash tools/shellcheck.sh >"$results/shellcheck.out"; then :; else status=1; fi
grep -v '^ok ' "$results/shellcheck.out" || true # the failures and the count; one `ok` line per passing file is noise
count_summary shellcheck "$results/shellcheck.out"

echo "== federated learning (pytest)"
if bash fl/run-tests.sh -q -p no:cacheprovider --junitxml="$results/fl.xml"; then :; else status=1; fi
if [ -f "$results/fl.xml" ]; then
  read -r p f < <(python3 - "$results/fl.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r if r.tag == "testsuite" else r.find("testsuite")
t, fl, er, sk = (int(s.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
print(t - fl - er - sk, fl + er)
PY
)
  passed=$((passed + p)); failed=$((failed + f))
else
  failed=$((failed + 1))
fi

if [ "${VK8S_SKIP_LOCALENV:-0}" != 1 ]; then
  echo "== local environment (test/localenv/selftest.sh)"
  if bash test/localenv/selftest.sh | tee "$results/selftest.out"; then :; else status=1; fi
  count_summary selftest "$results/selftest.out"
fi

if [ "${VK8S_SKIP_E2E:-0}" != 1 ] && [ -f scripts/e2e.sh ]; then
  echo "== real engine (e2e)"
  if bash scripts/e2e.sh --json "$results/e2e.json"; then :; else status=1; fi
  if [ -f "$results/e2e.json" ]; then count_jest "$results/e2e.json"; else failed=$((failed + 1)); fi
fi

if [ "${VK8S_SKIP_REAL:-0}" != 1 ]; then
  echo "== real vNodes (real)"
  if bash scripts/real.sh --json "$results/real.json"; then :; else status=1; fi
  if [ -f "$results/real.json" ]; then count_jest "$results/real.json"; else failed=$((failed + 1)); fi
fi

if [ "${VK8S_SKIP_PACKAGE:-0}" != 1 ]; then
  echo "== the package as shipped (npm pack, fresh installs with pinned, newest and lowest peers)"
  if bash test/package/run.sh --json "$results/package.json"; then :; else status=1; fi
  if [ -f "$results/package.json" ]; then count_jest "$results/package.json"; else failed=$((failed + 1)); fi
fi

rm -rf "$results"
echo "vk8s: $passed passed, $failed failed"
[ "$status" = 0 ] && [ "$failed" = 0 ]
