#!/bin/sh
# vk8s bootstrap program: mints a short-lived join command on the master;
# stdout is that one line (a secret: it holds a bootstrap token).
# Data: VK8S_WORKER.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

use_admin_kubeconfig
kubeadm token create --print-join-command --ttl 2h --description "vk8s join of $VK8S_WORKER"
