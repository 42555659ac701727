#!/usr/bin/env bash
# Real check of the kink vNode image without a host kubelet: runs ghcr.io/vk8s/kink:v<minor>
# with docker the way a vNode pod runs it (every capability the machine has, the host's
# /sys/fs/cgroup read-only as vk8s mounts it by default (VK8S_SMOKE_CGROUP_MOUNT=rw for
# read-write; the controllers below stay writable), /proc/sys writable, node state on
# volumes, /lib/modules read-only, tmpfs /run and /tmp), then checks, printing the time of
# each step:
#   1. runsvdir supervises containerd, sshd and the kubelet (waiting for its config);
#   2. root logs in over SSH with the key in /etc/vk8s/ssh/authorized_keys;
#   3. the control-plane images were preloaded before sshd answered; `ctr -n k8s.io images
#      import` of the control-plane archive (kubeadm's air-gapped path) works too;
#   4. a real `kubeadm init` (imageRepository vk8s.local, etcd's own tag, cgroupfs kubelet)
#      brings up etcd, kube-apiserver, kube-controller-manager, kube-scheduler (static pods
#      Running) and kube-proxy; the node is registered (NotReady: no CNI is installed).
# Everything it starts is removed (container, volumes, state folder), and the test checks
# that no cgroup or mount of the vNode is left behind.
# Builds the images first if needed (scripts/images.sh). Needs root, docker, ssh.
# Env: VK8S_SMOKE_KEEP=1 keeps the container for a look (remove it with docker rm -f).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=vk8s-kink-smoke-$$
T0=$SECONDS
STATE=$(mktemp -d /tmp/vk8s-kink-smoke.XXXXXX)
failures=0

log() { echo "kink-smoke [$((SECONDS - T0)) s]: $*"; }
fail() { echo "kink-smoke: FAIL: $*" >&2; failures=$((failures + 1)); }
in_node() { docker exec "$NAME" "$@"; }

cleanup() {
  if [ "${VK8S_SMOKE_KEEP:-0}" = 1 ]; then
    log "kept container $NAME and $STATE"
    return
  fi
  docker rm -f -v "$NAME" >/dev/null 2>&1 || true
  docker volume rm "$NAME-data" >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap cleanup EXIT

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every half second.
wait_for() {
  local limit=$1 what=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      fail "$what not within $limit s"
      return 1
    fi
    sleep 0.5
  done
  log "$what after $((SECONDS - start)) s"
}

# ---- images ---------------------------------------------------------------------------
"$ROOT/scripts/images.sh" build
IMAGE=$(docker image inspect -f '{{index .RepoTags 0}}' "ghcr.io/vk8s/kink:v$(sed -n 's/^KUBERNETES_VERSION=\([0-9]*\.[0-9]*\).*/\1/p' "$ROOT/tools/toolchain.sh")")
CONTROL_PLANE=$("$ROOT/scripts/images.sh" list | sed -n 's/^control-plane //p')
KUBERNETES_VERSION=$(docker run --rm --entrypoint kubeadm "$IMAGE" version -o short)
ETCD_TAG=$(tar -xOf "$CONTROL_PLANE" manifest.json | grep -o 'vk8s.local/etcd:[^"]*' | cut -d: -f2)
log "image $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1 / 1e6}')), kubeadm $KUBERNETES_VERSION, etcd tag $ETCD_TAG"

# ---- the vNode container ----------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$STATE/id"
mkdir -p "$STATE/ssh" && cp "$STATE/id.pub" "$STATE/ssh/authorized_keys" && chmod 0444 "$STATE/ssh/authorized_keys"
# containerd's snapshots must not sit on overlayfs (the container's root).
docker volume create "$NAME-data" >/dev/null
# /lib/modules read-only, where the host has one (docker would create a missing one).
MODULES=()
if [ -d /lib/modules ]; then MODULES=(-v /lib/modules:/lib/modules:ro); fi
# The pod's vnode-data volume holds /var/lib/containerd, /var/lib/kubelet, /var/lib/etcd and
# /etc/kubernetes (subPaths); docker 20.10 has no volume subpaths: one volume each.
docker run -d --name "$NAME" --hostname kink-smoke \
  --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
  --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' \
  -v "/sys/fs/cgroup:/sys/fs/cgroup:${VK8S_SMOKE_CGROUP_MOUNT:-ro}" "${MODULES[@]}" \
  -v "$NAME-data:/var/lib/containerd" -v /var/lib/kubelet -v /var/lib/etcd -v /etc/kubernetes \
  --tmpfs /run:exec,mode=0755 --tmpfs /tmp:exec,mode=1777 \
  -v "$STATE/ssh:/etc/vk8s/ssh:ro" -v "$CONTROL_PLANE:/opt/vk8s/control-plane.tar:ro" \
  "$IMAGE" >/dev/null
CID=$(docker inspect -f '{{.Id}}' "$NAME")
log "container $NAME started"

svc_up() { in_node sv status "/etc/vk8s/service/$1" | grep -q '^run:'; }
wait_for 60 "runsvdir: containerd running" svc_up containerd || true
wait_for 60 "containerd answers (ctr version)" in_node ctr version || true
wait_for 60 "runsvdir: sshd running" svc_up sshd || true
wait_for 60 "runsvdir: kubelet service waiting for its config" svc_up kubelet || true
in_node sv status containerd sshd kubelet
in_node pgrep -x kubelet >/dev/null && fail "a kubelet runs before kubeadm wrote its config"
[ "$(in_node cat /etc/vk8s/cgroup-driver)" = cgroupfs ] || fail "/etc/vk8s/cgroup-driver is not cgroupfs"
in_node test -s /etc/machine-id || fail "/etc/machine-id is empty"
in_node test -e /dev/kmsg || fail "/dev/kmsg is missing"
[ "$(in_node cat /proc/1/comm)" = tini ] || fail "PID 1 is $(in_node cat /proc/1/comm), not tini"

IP=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$NAME")
SSH=(ssh -i "$STATE/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=5 "root@$IP")
wait_for 180 "ssh root@vNode answers (after the preload)" "${SSH[@]}" true || true
[ "$("${SSH[@]}" kubeadm version -o short 2>/dev/null)" = "$KUBERNETES_VERSION" ] || fail "kubeadm over ssh does not answer $KUBERNETES_VERSION"

# ---- air-gapped preload ------------------------------------------------------------------
# The image imported its preload before sshd came up; kubeadm needs all its images there.
preloaded=$(in_node ctr -n k8s.io images ls -q | grep -c '^vk8s.local/' || true)
[ "$preloaded" -ge 7 ] || fail "only $preloaded vk8s.local images preloaded before sshd answered"
# The explicit air-gapped import (what a vNode without a preload needs), timed.
start=$SECONDS
in_node ctr -n k8s.io images import /opt/vk8s/control-plane.tar >/dev/null || fail "ctr images import failed"
log "control-plane archive ($(du -h "$CONTROL_PLANE" | cut -f1)) imported again by ctr in $((SECONDS - start)) s"
in_node ctr -n k8s.io images ls -q | grep '^vk8s.local/' | sort

# ---- kubeadm init -------------------------------------------------------------------------
cat >"$STATE/kubeadm.yaml" <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  name: kink-smoke
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: $KUBERNETES_VERSION
imageRepository: vk8s.local
etcd:
  local:
    imageTag: "$ETCD_TAG"
networking:
  podSubnet: 10.244.0.0/16
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: $(in_node cat /etc/vk8s/cgroup-driver)
failSwapOn: false
failCgroupV1: false
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
conntrack:
  maxPerCore: 0
EOF
docker cp "$STATE/kubeadm.yaml" "$NAME:/root/kubeadm.yaml"
start=$SECONDS
# The kernel checks (SystemVerification) read a kernel config a container does not have.
if in_node kubeadm init --config /root/kubeadm.yaml --ignore-preflight-errors=SystemVerification >"$STATE/kubeadm-init.log" 2>&1; then
  log "kubeadm init completed in $((SECONDS - start)) s"
else
  fail "kubeadm init failed after $((SECONDS - start)) s"
  tail -n 40 "$STATE/kubeadm-init.log" >&2
  in_node crictl ps -a >&2 || true
  docker logs --tail 40 "$NAME" >&2 || true
fi
grep -E '^\s*\[(WARNING|ERROR)' "$STATE/kubeadm-init.log" || true

KUBECTL=(kubectl --kubeconfig /etc/kubernetes/admin.conf)
pods_running() {
  local running
  running=$(in_node "${KUBECTL[@]}" get pods -n kube-system --no-headers 2>/dev/null | awk '$3 == "Running"' | cut -d' ' -f1)
  for pod in etcd-kink-smoke kube-apiserver-kink-smoke kube-controller-manager-kink-smoke kube-scheduler-kink-smoke; do
    grep -qx "$pod" <<<"$running" || return 1
  done
  grep -q '^kube-proxy-' <<<"$running"
}
wait_for 120 "control-plane static pods and kube-proxy Running" pods_running || true
in_node "${KUBECTL[@]}" get nodes -o wide || fail "kubectl get nodes failed"
in_node "${KUBECTL[@]}" get pods -n kube-system -o wide || true
in_node "${KUBECTL[@]}" get node kink-smoke -o jsonpath='{.status.nodeInfo.containerRuntimeVersion} {.status.nodeInfo.kubeletVersion}{"\n"}' \
  | grep -q "^containerd://.* $KUBERNETES_VERSION$" || fail "the node does not report containerd and kubelet $KUBERNETES_VERSION"
# The pods nest in the vNode's own cgroup, not at the host's root.
# shellcheck disable=SC2016 # expanded in the vNode
cg=$(in_node sh -c 'cat /proc/$(pgrep -x kube-apiserver)/cgroup' | grep -m1 ':memory:' | cut -d: -f3)
case "$cg" in
  "/docker/$CID/kubepods/"*) log "kube-apiserver's memory cgroup nests in the vNode's: $cg" ;;
  *) fail "kube-apiserver's memory cgroup is $cg, not under the vNode's /docker/$CID" ;;
esac
log "vNode memory after kubeadm init: $(docker stats --no-stream --format '{{.MemUsage}}' "$NAME")"

# ---- teardown: nothing of the vNode may stay behind ----------------------------------------
if [ "${VK8S_SMOKE_KEEP:-0}" != 1 ]; then
  start=$SECONDS
  docker rm -f -v "$NAME" >/dev/null
  docker volume rm "$NAME-data" >/dev/null
  log "vNode removed in $((SECONDS - start)) s"
  for dir in /sys/fs/cgroup/*/docker/"$CID"; do
    if [ -e "$dir" ]; then fail "cgroup $dir is left behind"; fi
  done
  if grep -q "$CID\|$NAME" /proc/self/mountinfo; then fail "mounts of $NAME are left behind"; fi
  if docker ps -a --format '{{.Names}}' | grep -qx "$NAME"; then fail "container $NAME is left behind"; fi
fi

if [ "$failures" = 0 ]; then
  log "PASS (total $((SECONDS - T0)) s)"
else
  log "$failures check(s) FAILED"
  exit 1
fi
