#!/bin/sh
# vk8s bootstrap program: prints the admin kubeconfig (a secret: the command's
# output is kept secret); the component rewrites the server address.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

[ -f "$ADMIN_CONF" ] || fail "$ADMIN_CONF is missing (kubeadm init has not run)"
cat "$ADMIN_CONF"
