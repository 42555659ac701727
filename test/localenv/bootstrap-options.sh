#!/usr/bin/env bash
# Prints (JSON) the vk8s bootstrap options for a virtual cluster on the local environment's real
# host node, as an air-gapped site would set them: kubeadm's images from the vNodes' preload
# (image repository vk8s.local, etcd tagged with its own version), flannel as the CNI (calico
# does not build from the Go module proxy), and the site mirror for kustomize and the Kubeflow
# manifests (mirror.sh fills it). Used by the quickstart and by the real tier (test/real).
#
# Usage: bootstrap-options.sh STATE_DIR SHAPE     SHAPE: v1.8-shape | v1.9-shape
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
trap_errors
[ $# -eq 2 ] || die "usage: bootstrap-options.sh STATE_DIR SHAPE"
state=${1%/} shape=$2
[ -s "$state/hostnode/env" ] || die "no host node in $state (run: hostnode.sh up $state)"
# shellcheck disable=SC1091
. "$state/hostnode/env"
[ -f "$MIRROR_DIR/kubeflow-$shape.tar.gz" ] || die "no kubeflow-$shape.tar.gz in the mirror (run: mirror.sh $state $shape)"
# The etcd tag the vNodes preloaded (images.sh tags etcd with its own version).
etcd=$(preload_image etcd) || die "the vNodes need the etcd image"
etcd_tag=${etcd##*:}
cat <<JSON
{"cni": "flannel",
 "defaultStorageClass": "none",
 "kubeadmImageRepository": "vk8s.local",
 "kubeadmEtcdImageTag": "$etcd_tag",
 "kubeflowSource": {"kind": "mirror", "url": "$MIRROR_URL/kubeflow-$shape.tar.gz"},
 "kustomizeSource": {"kind": "mirror", "url": "$MIRROR_URL/kustomize"},
 "apply": {"attempts": 10, "backoffSeconds": 2, "maxBackoffSeconds": 10, "timeoutSeconds": 600},
 "waitTimeoutSeconds": 300}
JSON
