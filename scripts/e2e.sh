#!/usr/bin/env bash
# The real-engine tier: builds (or reuses) the toolchain, then runs test/e2e with the real
# Pulumi CLI against a local host control plane and simulated vNodes (127.0.0.1 only).
#   bash scripts/e2e.sh [--json FILE] [jest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/node22.sh
. scripts/node22.sh
json=()
if [ "${1:-}" = --json ]; then json=(--json --outputFile="$2"); shift 2; fi

started=$(date +%s)
bash tools/toolchain.sh
echo "e2e: toolchain ready in $(( $(date +%s) - started ))s"
# shellcheck disable=SC1091
. "${VK8S_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/toolchain}/env.sh"
pulumi version
[ -d node_modules ] || npm ci --no-audit --no-fund

started=$(date +%s)
status=0
npx jest -c jest.e2e.config.js --runInBand "${json[@]}" "$@" || status=$?
echo "e2e: tests took $(( $(date +%s) - started ))s"
exit $status
