#!/bin/sh
# AuthorizedKeysCommand of a simulated vNode's sshd (runs as root, from sshd):
#   authorized-keys.sh USER STATE_DIR CLUSTER KUBECTL
# prints the cluster's public key(s): key `authorized_keys` of ConfigMap <CLUSTER>-ssh in
# namespace vk8s-<CLUSTER> of the host API (the Pulumi program stores it there).
# sshd refuses the command unless this file and every directory above it are owned by
# root and not group/world writable: vnode.sh checks that and otherwise installs a copy
# under /run/vk8s-localenv/.
[ "$1" = root ] || exit 0
"$4" --kubeconfig "$2/host/kubeconfig" --cache-dir "$2/host/kubectl-cache" --request-timeout=10s \
  -n "vk8s-$3" get configmap "$3-ssh" -o 'jsonpath={.data.authorized_keys}' 2>/dev/null || exit 0
echo
