#!/usr/bin/env bash
# The real tier: real vNodes (kink pods under a real host kubelet, real kubeadm/kubelet/containerd
# inside) brought up by the real Pulumi engine; test/real. Needs root (containerd, kubelet,
# iptables) and the set-up (toolchain and images).
#   bash scripts/real.sh [--json FILE] [jest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. scripts/node22.sh
json=()
if [ "${1:-}" = --json ]; then json=(--json --outputFile="$2"); shift 2; fi
bash scripts/setup.sh --only toolchain images
# shellcheck disable=SC1091
. "${VK8S_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/toolchain}/env.sh"
started=$(date +%s)
status=0
npx jest -c jest.real.config.js --runInBand "${json[@]}" "$@" || status=$?
echo "real: tests took $(( $(date +%s) - started ))s"
exit $status
