#!/usr/bin/env bash
# The quickstart: one virtual cluster like the original sample, deployed with `pulumi up`
# on the root program (Pulumi.yaml -> examples/quickstart/), then its outputs printed.
#
#   bash scripts/quickstart.sh
#
# With a reachable kubeconfig (KUBECONFIG or ~/.kube/config) it deploys into that cluster
# and leaves it running (stack `quickstart`, local backend under ~/.cache/vk8s/quickstart-state;
# remove it with the printed `pulumi destroy` line).
# Without one it builds/reuses the toolchain, starts the local environment (a host control
# plane and a simulated vNode on 127.0.0.1), runs `pulumi up`, prints the outputs, then
# destroys the stack and stops everything (VK8S_QUICKSTART_KEEP=1 keeps it running).
# Env: VK8S_KUBEFLOW_PASSWORD (default: a random one, stored only as a stack secret),
#      PULUMI_CONFIG_PASSPHRASE (default for the local backend: vk8s-quickstart).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
bash scripts/setup.sh
. scripts/node22.sh
# shellcheck disable=SC1091
. "${VK8S_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/toolchain}/env.sh"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-vk8s-quickstart}"
password="${VK8S_KUBEFLOW_PASSWORD:-$(openssl rand -base64 18)}"

kubeconfig="${KUBECONFIG:-$HOME/.kube/config}"
if [ -f "${kubeconfig%%:*}" ] && timeout 15 kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; then
  echo "quickstart: deploying into the cluster of $kubeconfig"
  state="${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/quickstart-state"
  mkdir -p "$state"
  export PULUMI_BACKEND_URL="file://$state" KUBECONFIG="$kubeconfig"
  cfg=(--config-file "$state/Pulumi.quickstart.yaml")
  pulumi stack select quickstart --create --non-interactive
  printf '%s' "$password" | pulumi config set --secret kubeflowPassword "${cfg[@]}"
  pulumi up --yes "${cfg[@]}"
  pulumi stack output
  echo "quickstart: remove it with: PULUMI_BACKEND_URL=file://$state pulumi destroy --stack quickstart ${cfg[*]}"
  exit 0
fi

echo "quickstart: no reachable kubeconfig; using the local environment (127.0.0.1 only)"
state=$(mktemp -d /tmp/vk8s-quickstart-XXXXXX)
export PULUMI_BACKEND_URL="file://$state/backend"
mkdir -p "$state/backend"
cleanup() {
  if [ "${VK8S_QUICKSTART_KEEP:-0}" = 1 ]; then
    echo "quickstart: left running in $state (stop: bash scripts/localenv/down.sh $state)"
    return
  fi
  pulumi destroy --yes --skip-preview --non-interactive --stack quickstart --config-file "$state/Pulumi.quickstart.yaml" >/dev/null 2>&1 || true
  bash scripts/localenv/down.sh "$state" --rm >/dev/null
  echo "quickstart: stack destroyed and local environment stopped"
}
trap cleanup EXIT
KUBECONFIG=$(bash scripts/localenv/host.sh up "$state" | tail -n 1)
export KUBECONFIG
port=$(bash scripts/localenv/vnode.sh up "$state" quickstart master 0 | awk '$1 == "master" { print $2 }')

# kustomize 3.2.0 (what Kubeflow 1.4 pins) is not served by the Go module proxy: a stand-in
# answers `version` and runs the toolchain's kustomize for the build.
real_kustomize=$(command -v kustomize)
printf '#!/bin/sh\nif [ "${1:-}" = version ]; then echo "Version: {KustomizeVersion:3.2.0} (stand-in for %s)"; exit 0; fi\nexec %s "$@"\n' \
  "$real_kustomize" "$real_kustomize" > "$state/kustomize-3.2.0"
chmod +x "$state/kustomize-3.2.0"
fixtures="$repo/test/e2e/fixtures"
bootstrap=$(cat <<JSON
{"kubeflowSource": {"kind": "local", "path": "$fixtures/kubeflow/v1.8-shape"},
 "calicoSource": {"kind": "local", "path": "$fixtures/calico"},
 "devicePluginSource": {"kind": "local", "path": "$fixtures/nvidia"},
 "kustomizeSource": {"kind": "local", "path": "$state/kustomize-3.2.0"},
 "apply": {"attempts": 6, "backoffSeconds": 1, "maxBackoffSeconds": 4, "timeoutSeconds": 300},
 "waitTimeoutSeconds": 120}
JSON
)
cfg=(--config-file "$state/Pulumi.quickstart.yaml")
pulumi stack init quickstart --non-interactive
pulumi config set ssh "{\"nodeEndpoints\": {\"master\": {\"host\": \"127.0.0.1\", \"port\": $port}}}" "${cfg[@]}"
pulumi config set awaitVNodes false "${cfg[@]}"
pulumi config set bootstrap "$bootstrap" "${cfg[@]}"
printf '%s' "$password" | pulumi config set --secret kubeflowPassword "${cfg[@]}"
started=$(date +%s)
pulumi up --yes --skip-preview --non-interactive "${cfg[@]}"
echo "quickstart: pulumi up took $(( $(date +%s) - started ))s"
pulumi stack output --json
