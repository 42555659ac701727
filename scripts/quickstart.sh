#!/usr/bin/env bash
# The quickstart: one virtual cluster like the original sample, deployed with `pulumi up`
# on the root program (Pulumi.yaml -> examples/quickstart/), then its outputs printed.
#
#   bash scripts/quickstart.sh
#
# With a reachable kubeconfig (KUBECONFIG or ~/.kube/config) it deploys into that cluster
# and leaves it running (stack `quickstart`, local backend under ~/.cache/vk8s/quickstart-state;
# remove it with the printed `pulumi destroy` line).
# Without one it sets up (toolchain, images), starts the local environment (a host control plane
# on 127.0.0.1 and a real host node whose kubelet runs the vNode pods), runs `pulumi up` (a real
# kubeadm init inside the vNode, over SSH through the access pod), prints the outputs, then
# destroys the stack and stops everything (VK8S_QUICKSTART_KEEP=1 keeps it running).
# Env: VK8S_KUBEFLOW_PASSWORD (default: a random one, stored only as a stack secret),
#      PULUMI_CONFIG_PASSPHRASE (default for the local backend: vk8s-quickstart).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# shellcheck disable=SC1091
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
    echo "quickstart: left running in $state (stop: bash test/localenv/down.sh $state)"
    return
  fi
  pulumi destroy --yes --skip-preview --non-interactive --stack quickstart --config-file "$state/Pulumi.quickstart.yaml" >/dev/null 2>&1 || true
  bash test/localenv/down.sh "$state" --rm >/dev/null
  echo "quickstart: stack destroyed and local environment stopped"
}
trap cleanup EXIT
KUBECONFIG=$(bash test/localenv/host.sh up "$state" | tail -n 1)
export KUBECONFIG
# A real host node (containerd, kubelet, kube-proxy, CoreDNS) that runs the vNode pods, and the
# site mirror the vNodes download kustomize and the Kubeflow manifests from.
bash test/localenv/hostnode.sh up "$state"
bash test/localenv/mirror.sh "$state" v1.9-shape >/dev/null
bootstrap=$(bash test/localenv/bootstrap-options.sh "$state" v1.9-shape)
cfg=(--config-file "$state/Pulumi.quickstart.yaml")
pulumi stack init quickstart --non-interactive
# Kubeflow 26.03 on Kubernetes 1.34 (the version the toolchain builds for host and vNodes); one
# master vNode small enough for a 2-core machine; the inner API server on a host NodePort.
pulumi config set kubeflowVersion 26.03 "${cfg[@]}"
pulumi config set kubernetesVersion 1.34 "${cfg[@]}"
pulumi config set nodeResources '{"requests": {"cpu": "250m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "6Gi"}}' "${cfg[@]}"
pulumi config set apiServerNodePort 31643 "${cfg[@]}"
pulumi config set bootstrap "$bootstrap" "${cfg[@]}"
printf '%s' "$password" | pulumi config set --secret kubeflowPassword "${cfg[@]}"
started=$(date +%s)
pulumi up --yes --skip-preview --non-interactive "${cfg[@]}"
echo "quickstart: pulumi up took $(( $(date +%s) - started ))s"
pulumi stack output --json
