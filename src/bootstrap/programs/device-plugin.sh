#!/bin/sh
# vk8s bootstrap program: the NVIDIA device plugin's static manifest,
# then a bounded check that every node advertises exactly the GPUs its vNode was given
# (label vk8s.io/gpus, set by its kubelet at registration; absent allocatable = 0).
# Data: VK8S_DEVICE_PLUGIN_VERSION, VK8S_DEVICE_PLUGIN_SOURCE_KIND (url|local),
# VK8S_DEVICE_PLUGIN_SOURCE, VK8S_DEVICE_PLUGIN_DAEMONSET, VK8S_WAIT_TIMEOUT.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

use_admin_kubeconfig
mkdir -p "$work/nvidia"
manifest="$work/nvidia/nvidia-device-plugin-$VK8S_DEVICE_PLUGIN_VERSION.yml"
fetch_source "$VK8S_DEVICE_PLUGIN_SOURCE_KIND" "$VK8S_DEVICE_PLUGIN_SOURCE" "$manifest"
kubectl apply -f "$manifest" >&2
kubectl rollout status "daemonset/$VK8S_DEVICE_PLUGIN_DAEMONSET" -n kube-system --timeout="${VK8S_WAIT_TIMEOUT}s" >&2

gpu_mismatch() {
  nodes=$(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"|"}{.metadata.labels.vk8s\.io/gpus}{"|"}{.status.allocatable.nvidia\.com/gpu}{"\n"}{end}') \
    || { echo "cannot list the nodes; "; return 0; }
  printf '%s\n' "$nodes" | awk -F'|' 'NF { want = ($2 == "" ? 0 : $2); have = ($3 == "" ? 0 : $3); if (want != have) printf "%s advertises %s GPU(s) but its vNode was given %s; ", $1, have, want }'
}
deadline=$(( $(date +%s) + VK8S_WAIT_TIMEOUT ))
mismatch=$(gpu_mismatch)
while [ -n "$mismatch" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then fail "after ${VK8S_WAIT_TIMEOUT}s: $mismatch(the vNode start-up must hide the GPUs it was not allocated)"; fi
  sleep 5
  mismatch=$(gpu_mismatch)
done
log "every node advertises exactly the GPUs of its vNode"
