#!/bin/sh
# vk8s bootstrap program (the delete of a worker's join, run on the master): drain the worker and remove its node object.
# Data: VK8S_WORKER, VK8S_WAIT_TIMEOUT, VK8S_DRAIN_EMPTYDIR_FLAG (--delete-emptydir-data from
# kubectl 1.20, --delete-local-data before).
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

use_admin_kubeconfig
if ! kubectl get --raw=/readyz --request-timeout=10s >/dev/null 2>&1; then
  log "API server unreachable: nothing to drain for $VK8S_WORKER"
  exit 0
fi
if ! kubectl get node "$VK8S_WORKER" >/dev/null 2>&1; then
  log "node $VK8S_WORKER is not in the cluster: nothing to drain"
  exit 0
fi
# A worker that is not Ready (unreachable, stopped) cannot let its pods go: a drain would wait
# out its whole timeout for pods that never terminate. Its node object is removed at once.
ready=$(kubectl get node "$VK8S_WORKER" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
if [ "$ready" != True ]; then
  log "node $VK8S_WORKER is not Ready (Ready=${ready:-none}): not drained, its node object is removed"
  kubectl delete node "$VK8S_WORKER" --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
  echo "VK8S_NODE $VK8S_WORKER removed"
  exit 0
fi
kubectl drain "$VK8S_WORKER" --ignore-daemonsets "$VK8S_DRAIN_EMPTYDIR_FLAG" --force --timeout="${VK8S_WAIT_TIMEOUT}s" >&2 \
  || log "drain of $VK8S_WORKER incomplete after ${VK8S_WAIT_TIMEOUT}s; removing the node anyway"
kubectl delete node "$VK8S_WORKER" --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
echo "VK8S_NODE $VK8S_WORKER removed"
