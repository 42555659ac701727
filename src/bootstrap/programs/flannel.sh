#!/bin/sh
# vk8s bootstrap program: flannel, the CNI of the inner cluster when the cluster's
# bootstrap option cni is flannel (host-gw backend, vk8s's flannel image). Applies the
# rendered objects, waits for the DaemonSet's rollout and for the master to be Ready.
# Data: VK8S_MASTER, VK8S_WAIT_TIMEOUT; file flannel/kube-flannel.yaml.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

use_admin_kubeconfig
kubectl apply -f "$(data flannel/kube-flannel.yaml)" >&2
kubectl rollout status daemonset/kube-flannel-ds -n kube-flannel --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
kubectl wait --for=condition=Ready "node/$VK8S_MASTER" --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
log "flannel running (host-gw) on every node"
