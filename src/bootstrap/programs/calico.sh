#!/bin/sh
# vk8s bootstrap program: calico, the CNI of the inner cluster. A vNode has two
# interfaces and calico's first-found autodetection picks the wrong one, so the manifest is
# patched structurally BEFORE it is applied (calico-node never starts on the wrong
# interface): `kubectl kustomize` applies the rendered JSON patch (calico/calico-node-patch.yaml)
# to DaemonSet kube-system/calico-node: it tests that the first container is calico-node and
# adds IP_AUTODETECTION_METHOD=interface=<node interface> and CALICO_IPV4POOL_CIDR=<pod CIDR>
# to its env. A manifest without that object or container fails the build: nothing is applied.
# Data: VK8S_CALICO_VERSION, VK8S_CALICO_SOURCE_KIND (url|local), VK8S_CALICO_SOURCE,
# VK8S_MASTER, VK8S_WAIT_TIMEOUT; files calico/kustomization.yaml, calico/calico-node-patch.yaml.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

use_admin_kubeconfig
build="$work/calico/build-$VK8S_CALICO_VERSION"
manifest="$work/calico/calico-$VK8S_CALICO_VERSION.yaml"
rm -rf "$build"
mkdir -p "$build"
fetch_source "$VK8S_CALICO_SOURCE_KIND" "$VK8S_CALICO_SOURCE" "$build/calico.yaml"
cp "$(data calico/kustomization.yaml)" "$(data calico/calico-node-patch.yaml)" "$build/"
kubectl kustomize "$build" > "$manifest.tmp" 2> "$build/kustomize.err" || {
  tail -n 5 "$build/kustomize.err" >&2
  fail "calico manifest: the calico-node patch does not apply (is this a calico.yaml of $VK8S_CALICO_VERSION, with DaemonSet kube-system/calico-node whose first container is calico-node?)"
}
mv "$manifest.tmp" "$manifest"
kubectl apply -f "$manifest" >&2
kubectl rollout status daemonset/calico-node -n kube-system --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
kubectl wait --for=condition=Ready "node/$VK8S_MASTER" --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
log "calico $VK8S_CALICO_VERSION running with the calico-node patch (calico/calico-node-patch.yaml)"
