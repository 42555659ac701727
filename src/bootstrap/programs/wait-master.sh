#!/bin/sh
# vk8s bootstrap program: the master vNode is up with what kubeadm needs.
# Data (step.env): VK8S_NODE_NAME, VK8S_NODE_INTERFACE, VK8S_GPUS, VK8S_KUBERNETES_VERSION,
# VK8S_KUBERNETES_MINOR, VK8S_WAIT_TIMEOUT, VK8S_EXTRA_TOOLS.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

phase 'Waiting: creating node'
wait_prerequisites
echo "VK8S_NODE $VK8S_NODE_NAME vnode-ready"
