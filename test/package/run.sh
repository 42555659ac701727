#!/usr/bin/env bash
# The package as shipped (`npm run test:package`): packs the library, installs the tarball into
# fresh projects under $TMPDIR with the pinned, newest and lowest peer versions, and checks
# each (see shipped.package.test.ts). Uses the toolchain for `pulumi preview` when it exists
# (it is never built here: run tools/toolchain.sh or scripts/e2e.sh for that).
#   bash test/package/run.sh [--json FILE] [jest args...]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck disable=SC1091 # scripts/node22.sh: Node 22 on PATH
. scripts/node22.sh
json=()
if [ "${1:-}" = --json ]; then json=(--json --outputFile="$2"); shift 2; fi
env_sh=${VK8S_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/toolchain}/env.sh
if [ -f "$env_sh" ]; then
  # shellcheck disable=SC1090
  . "$env_sh"
  echo "package: toolchain from $env_sh ($(pulumi version 2>/dev/null || echo 'no pulumi'))"
else
  echo "package: no toolchain at $env_sh: the pulumi preview check is skipped"
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
exec npx jest -c jest.package.config.js --runInBand "${json[@]}" "$@"
