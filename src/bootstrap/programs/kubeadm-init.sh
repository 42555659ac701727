#!/bin/sh
# vk8s bootstrap program: the control plane from the rendered kubeadm
# configuration (InitConfiguration, ClusterConfiguration, KubeletConfiguration,
# KubeProxyConfiguration), skipped when admin.conf exists; the master also runs workloads.
# The node's address and the filled-in configuration are kept on the node state, so a vNode
# pod re-created with a new IP re-addresses itself (node-address.sh, src/render/vnode.ts).
# Data: VK8S_KUBEADM_CONFIG (data file; @VK8S_NODE_IP@ is filled in here), VK8S_NODE_NAME,
# VK8S_NODE_INTERFACE, VK8S_WAIT_TIMEOUT, VK8S_IMAGE_ARCHIVES (data file or empty),
# VK8S_NODE_ADDRESS_FILE, VK8S_KUBEADM_INIT_COPY.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

phase 'Installing: configuring master node'
use_admin_kubeconfig
if [ -f "$ADMIN_CONF" ]; then
  log "$ADMIN_CONF present: the control plane is already initialised, skipping kubeadm init"
  # Clusters initialised before the address was kept: keep it now (the pod has not moved since).
  if [ ! -f "$node_state_root$VK8S_NODE_ADDRESS_FILE" ] && [ -n "$(node_ip)" ]; then record_node_address "$(node_ip)"; fi
else
  address=$(node_ip)
  [ -n "$address" ] || fail "no IPv4 address on $VK8S_NODE_INTERFACE (the interface between vNodes)"
  preload_images
  config="$work/kubeadm-init.yaml"
  render_config "$(data "$VK8S_KUBEADM_CONFIG")" "$config" "VK8S_NODE_IP=$address"
  kubeadm init --config "$config" --skip-token-print > "$work/kubeadm-init.log" 2>&1 \
    || { tail -n 40 "$work/kubeadm-init.log" >&2; fail "kubeadm init failed"; }
  install -D -m 600 "$config" "$node_state_root$VK8S_KUBEADM_INIT_COPY"
  record_node_address "$address"
fi
wait_until "$VK8S_WAIT_TIMEOUT" "the API server" sh -c 'kubectl get --raw=/readyz >/dev/null 2>&1'
# vk8s clusters are small: the master runs workloads too (the configuration registers it
# without taints; clusters initialised before that are untainted here).
for taint in node-role.kubernetes.io/master node-role.kubernetes.io/control-plane; do
  if kubectl get node "$VK8S_NODE_NAME" -o jsonpath='{.spec.taints[*].key}' | tr ' ' '\n' | grep -qx "$taint"; then
    kubectl taint node "$VK8S_NODE_NAME" "$taint:NoSchedule-" >&2
  fi
done
echo "VK8S_NODE $VK8S_NODE_NAME kubernetes-ready"
