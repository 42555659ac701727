#!/usr/bin/env bash
# kubelet stand-in of a simulated vNode: no kubelet runs in the local environment (the
# kubeadm stand-in registers the Node, lib/kubelet-sim.py reports its Pods running).
# Only `kubelet --version` is answered, with the vNode image's version; every call is
# recorded in STATE_DIR/calls.log.
set -euo pipefail
state=$1 cluster=$2 node=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../lib/common.sh
. "$here/../../lib/common.sh"
# shellcheck source=../../lib/standin.sh
. "$LOCALENV_DIR/lib/standin.sh"
standin_record "$state" "$cluster" "$node" kubelet "$@"
case "$*" in
  --version) echo "Kubernetes $(node_image_version "$state" "$cluster" "$node")" ;;
  *) echo "kubelet stand-in: no kubelet runs in the local environment (only --version is answered)" >&2; exit 1 ;;
esac
