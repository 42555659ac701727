#!/usr/bin/env bash
# The host NODE of the local environment, beside the host control plane of host.sh: a real
# kubelet with a real containerd + runc, kube-proxy, kube-scheduler and a cluster DNS
# (CoreDNS), so the vNode StatefulSets vk8s renders run as real pods on this machine.
#
# Usage: hostnode.sh up|down STATE_DIR
#   up    needs `host.sh up STATE_DIR` first; starts (or reuses) the node `vk8s-host`, imports
#         the images (scripts/images.sh import), waits until the node is Ready.
#   down  stops the node's processes, removes every pod sandbox and container it ran, its
#         mounts under STATE_DIR, its bridge and kube-proxy's iptables rules.
#
# What it is, and what is specific to this machine (named in the README's limits):
#   - containerd (Debian) with its own socket and state under STATE_DIR/hostnode; its root (the
#     image store) is kept between runs under VK8S_HOSTNODE_CONTAINERD_ROOT (default
#     ~/.cache/vk8s/hostnode/containerd), so images are imported once (scripts/images.sh skips
#     archives already there); containers and pods never outlive `down`;
#   - runc behind lib/runc-wrapper (BinaryName): the machine lacks CAP_SYS_RESOURCE, so the
#     wrapper drops that capability from each container's OCI spec and raises a negative
#     oomScoreAdj to 0 (lowering it needs the same capability). Nothing else is changed;
#   - pod network: Debian's CNI plugins (bridge + host-local + portmap + firewall + loopback; the
#     firewall plugin accepts the pods' traffic in FORWARD, whose policy docker sets to DROP) on the
#     bridge vk8shost0, pod CIDR VK8S_HOST_POD_CIDR (default 10.88.0.0/16, clear of
#     the inner clusters' kubeadm default 10.244.0.0/16); one FORWARD rule (comment
#     vk8s-hostnode) accepts traffic that stays on the bridge, from any address: the inner
#     clusters' pod traffic between vNodes (flannel host-gw routes the inner pod CIDR through the
#     vNodes' addresses), which the firewall plugin's per-pod-address rules would drop;
#   - cluster DNS: CoreDNS as a host process on the bridge address (the kubelet's clusterDNS),
#     serving cluster.local from the host API (vNodes find each other by headless-service names);
#   - a site mirror: STATE_DIR/mirror served over HTTP on the bridge address (MIRROR_URL in
#     STATE_DIR/hostnode/env), what an air-gapped site offers its vNodes for manifests and tools;
#   - the node's address is the bridge's (the kubelet refuses a loopback node IP): the kubelet
#     listens there, so only this machine and its pods reach it;
#   - NodePorts only on 127.0.0.0/8 (kube-proxy --nodeport-addresses): nothing listens on the
#     machine's own network addresses;
#   - cgroupfs driver (PID 1 is not systemd), a cgroup root of its own (/vk8s-host), swap
#     tolerated, cgroup v1 accepted (failCgroupV1: false);
#   - storage: the default StorageClass `vk8s-local` with VK8S_HOST_PVS (default 8) statically
#     provisioned `local` PersistentVolumes under STATE_DIR/hostnode/volumes (Kubernetes' own
#     local volumes, no provisioner: WaitForFirstConsumer, Retain); what a site's StorageClass
#     gives vNodes for their node state (vk8s' default nodeStorage).
# One host node per machine (the bridge and the cgroup root are machine-wide): a lock says so.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/pki.sh
. "$LOCALENV_DIR/lib/pki.sh"
# shellcheck source=lib/controlplane.sh
. "$LOCALENV_DIR/lib/controlplane.sh"
trap_errors

usage() { die "usage: hostnode.sh up|down STATE_DIR"; }
[ $# -eq 2 ] || usage
action=$1 state=${2%/}
check_state_dir "$state"
host=$state/host
dir=$state/hostnode
NODE_NAME=vk8s-host
BRIDGE=vk8shost0
CGROUP_ROOT=/vk8s-host
: "${VK8S_HOST_POD_CIDR:=10.88.0.0/16}"
: "${VK8S_HOST_PVS:=8}"
STORAGE_CLASS=vk8s-local
REPO=$(cd "$LOCALENV_DIR/../.." && pwd)
: "${VK8S_HOSTNODE_CONTAINERD_ROOT:=${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/hostnode/containerd}"
# Components in stop order.
# What a host node needs for Kubeflow 1.9+ (src/matrix/components.ts KUBEFLOW_INOTIFY, from
# kubeflow/manifests' README; a test keeps the two equal): raised, never lowered.
INOTIFY_MAX_USER_INSTANCES=2280
INOTIFY_MAX_USER_WATCHES=1255360
NODE_COMPONENTS="mirror kube-scheduler kube-proxy coredns kubelet containerd"
BRIDGE_RULE=(-i "$BRIDGE" -o "$BRIDGE" -m comment --comment vk8s-hostnode -j ACCEPT)

ctr_() { ctr --address "$dir/containerd.sock" -n k8s.io "$@"; }
kubectl_() { kubectl --kubeconfig "$host/kubeconfig" "$@"; }

node_ready() {
  [ "$(kubectl_ get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

containerd_up() { ctr --address "$dir/containerd.sock" version; }

fail_up() {
  show_logs "$dir" 20
  die "host node did not start (state kept in $dir; stop it with: hostnode.sh down $state)"
}

write_configs() {
  local net=${VK8S_HOST_POD_CIDR%%/*} sandbox
  # The bridge's address, the pods' gateway and the node's IP: the CIDR's first address.
  GATEWAY=${net%.*}.1
  # The pause image of the control-plane archive (scripts/images.sh) is the host's sandbox image too.
  sandbox=$(preload_image pause) || die "the host node needs the pause image"
  mkdir -p "$dir/cni/net.d" "$dir/containerd" "$dir/kubelet" "$dir/pods" "$VK8S_HOSTNODE_CONTAINERD_ROOT"
  sed -e "s|@RUNC@|$(command -v runc)|" "$LOCALENV_DIR/lib/runc-wrapper" >"$dir/runc-wrapper"
  chmod 755 "$dir/runc-wrapper"
  cat >"$dir/containerd/config.toml" <<EOF
version = 2
root = "$VK8S_HOSTNODE_CONTAINERD_ROOT"
state = "$dir/containerd/state"
[grpc]
  address = "$dir/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$sandbox"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$dir/runc-wrapper"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
EOF
  cat >"$dir/cni/net.d/10-vk8s-host.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "vk8s-host",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$VK8S_HOST_POD_CIDR", "gateway": "$GATEWAY"}]],
              "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$dir/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "firewall"},
    {"type": "loopback"}
  ]
}
EOF
  cat >"$dir/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $GATEWAY
port: $KUBELET_PORT
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
readOnlyPort: 0
containerRuntimeEndpoint: unix://$dir/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP_ROOT
failSwapOn: false
failCgroupV1: false
clusterDomain: cluster.local
clusterDNS: [$GATEWAY]
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $host/pki/ca.crt}
authorization: {mode: Webhook}
# A test machine: no eviction or image garbage collection on disk pressure.
evictionHard: {memory.available: "100Mi", nodefs.available: "0%", nodefs.inodesFree: "0%", imagefs.available: "0%"}
imageGCHighThresholdPercent: 100
serializeImagePulls: false
EOF
  cat >"$dir/Corefile" <<EOF
.:53 {
    bind $GATEWAY
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $host/kubeconfig
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 5
}
EOF
}

# Each host cgroup v1 controller gets the node's cgroup root (the kubelet does not make it).
# The default StorageClass and VK8S_HOST_PVS local PersistentVolumes on this node (idempotent).
make_storage() {
  local i
  {
    cat <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $STORAGE_CLASS
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
YAML
    for i in $(seq 1 "$VK8S_HOST_PVS"); do
      mkdir -p "$dir/volumes/pv-$i"
      cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: $STORAGE_CLASS-$i }
spec:
  capacity: { storage: 100Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: $STORAGE_CLASS
  local: { path: $dir/volumes/pv-$i }
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions: [{ key: kubernetes.io/hostname, operator: In, values: [$NODE_NAME] }]
YAML
    done
  } | kubectl_ apply -f - >/dev/null
}

make_cgroup_root() {
  local c
  for c in /sys/fs/cgroup/*/; do
    case $c in */unified/) continue ;; esac
    mkdir -p "$c${CGROUP_ROOT#/}"
  done
}

make_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr show dev "$BRIDGE" | grep -q "inet $GATEWAY/" || ip addr add "$GATEWAY/${VK8S_HOST_POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  sysctl -qw net.ipv4.ip_forward=1
  local key want
  for key in fs.inotify.max_user_instances:$INOTIFY_MAX_USER_INSTANCES fs.inotify.max_user_watches:$INOTIFY_MAX_USER_WATCHES; do
    want=${key#*:} key=${key%%:*}
    [ "$(sysctl -n "$key")" -ge "$want" ] || sysctl -qw "$key=$want"
  done
  # Bridged pod traffic goes through iptables, so kube-proxy's Service rules apply to it.
  modprobe br_netfilter 2>/dev/null || true
  [ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || sysctl -qw net.bridge.bridge-nf-call-iptables=1
  # Inner pods talk across vNodes with their own addresses (flannel host-gw): accept what stays
  # on the bridge (vNode to vNode), whatever its source address.
  iptables -C FORWARD "${BRIDGE_RULE[@]}" 2>/dev/null || iptables -I FORWARD "${BRIDGE_RULE[@]}"
}

up() {
  load_toolchain
  need kubelet kube-proxy kube-scheduler kubectl coredns containerd ctr runc ip iptables python3
  [ -s "$host/kubeconfig" ] || die "no host control plane in $state (run: host.sh up $state)"
  local owner
  exec 7>/run/vk8s-hostnode.lock
  flock 7
  owner=$(cat /run/vk8s-hostnode.owner 2>/dev/null || true)
  if [ -n "$owner" ] && [ "$owner" != "$state" ] && pidfile_alive "$owner/hostnode/containerd.pid"; then
    die "another host node runs on this machine (state $owner); stop it first: hostnode.sh down $owner"
  fi
  echo "$state" >/run/vk8s-hostnode.owner
  # The owner is written: release the lock now, so the daemons started below do not inherit
  # (and hold) it; another `up` then meets the owner check above instead of waiting forever.
  exec 7>&-
  mkdir -p "$dir" && chmod 700 "$dir"
  # shellcheck disable=SC1091
  . "$host/ports.env"
  if [ ! -s "$dir/ports.env" ]; then
    {
      echo "KUBELET_PORT=$(free_port "$state")"
      echo "KUBELET_HEALTHZ_PORT=$(free_port "$state")"
      echo "KUBE_PROXY_HEALTHZ_PORT=$(free_port "$state")"
      echo "KUBE_PROXY_METRICS_PORT=$(free_port "$state")"
      echo "SCHEDULER_PORT=$(free_port "$state")"
      echo "MIRROR_PORT=$(free_port "$state")"
    } >"$dir/ports.env"
  fi
  # shellcheck disable=SC1091
  . "$dir/ports.env"
  # The node's credentials: the kubelet as system:node:<name> (Node authorizer), the other
  # components with the host's admin token (a test plane).
  pki_cert "$host/pki" "node-$NODE_NAME" "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  local server
  server=$(sed -n 's/^HOST_API_SERVER=//p' "$host/env")
  write_kubeconfig "$dir/node.kubeconfig" "$server" "$host/pki/ca.crt" "system:node:$NODE_NAME" cert \
    "$host/pki/node-$NODE_NAME.crt" "$host/pki/node-$NODE_NAME.key" host
  write_configs
  make_cgroup_root
  make_bridge

  pidfile_alive "$dir/containerd.pid" ||
    daemon "$dir/containerd.pid" "$dir/containerd.log" containerd --config "$dir/containerd/config.toml"
  wait_until 60 "containerd ($dir/containerd.log)" containerd_up || fail_up
  bash "$REPO/scripts/images.sh" import --address "$dir/containerd.sock" || fail_up

  pidfile_alive "$dir/kubelet.pid" ||
    daemon "$dir/kubelet.pid" "$dir/kubelet.log" kubelet --config "$dir/kubelet/config.yaml" \
      --kubeconfig "$dir/node.kubeconfig" --hostname-override "$NODE_NAME" --node-ip "$GATEWAY" \
      --root-dir "$dir/kubelet/root" --cert-dir "$dir/kubelet/pki" --v=1
  pidfile_alive "$dir/kube-proxy.pid" ||
    daemon "$dir/kube-proxy.pid" "$dir/kube-proxy.log" kube-proxy --kubeconfig "$host/kubeconfig" \
      --hostname-override "$NODE_NAME" --cluster-cidr "$VK8S_HOST_POD_CIDR" --proxy-mode iptables \
      --nodeport-addresses 127.0.0.0/8 --conntrack-max-per-core 0 \
      --healthz-bind-address "127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT" --metrics-bind-address "127.0.0.1:$KUBE_PROXY_METRICS_PORT"
  pidfile_alive "$dir/kube-scheduler.pid" ||
    daemon "$dir/kube-scheduler.pid" "$dir/kube-scheduler.log" kube-scheduler --kubeconfig "$host/kubeconfig" \
      --authentication-kubeconfig "$host/kubeconfig" --authorization-kubeconfig "$host/kubeconfig" \
      --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false
  wait_until "$VK8S_LOCALENV_TIMEOUT" "node $NODE_NAME Ready ($dir/kubelet.log)" node_ready || fail_up
  make_storage
  pidfile_alive "$dir/coredns.pid" ||
    daemon "$dir/coredns.pid" "$dir/coredns.log" coredns -conf "$dir/Corefile"
  mkdir -p "$state/mirror"
  pidfile_alive "$dir/mirror.pid" ||
    daemon "$dir/mirror.pid" "$dir/mirror.log" python3 -m http.server --bind "$GATEWAY" --directory "$state/mirror" "$MIRROR_PORT"
  printf 'NODE_NAME=%s\nMIRROR_URL=http://%s:%s\nMIRROR_DIR=%s\nPOD_CIDR=%s\n' "$NODE_NAME" "$GATEWAY" "$MIRROR_PORT" "$state/mirror" "$VK8S_HOST_POD_CIDR" >"$dir/env"
  log "host node $NODE_NAME Ready (containerd $(containerd --version | awk '{print $3}'), kubelet $(kubelet --version | awk '{print $2}'))"
}

down() {
  [ -d "$dir" ] || return 0
  local c id
  # Pods first, while containerd still runs: their sandboxes, mounts and network go with them.
  if [ -S "$dir/containerd.sock" ]; then
    stop_pidfile "$dir/kubelet.pid"
    if command -v crictl >/dev/null; then
      for id in $(crictl --runtime-endpoint "unix://$dir/containerd.sock" pods -q 2>/dev/null); do
        crictl --runtime-endpoint "unix://$dir/containerd.sock" stopp "$id" >/dev/null 2>&1 || true
        crictl --runtime-endpoint "unix://$dir/containerd.sock" rmp -f "$id" >/dev/null 2>&1 || true
      done
    fi
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s KILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks rm -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$id" >/dev/null 2>&1 || true; done
  fi
  for c in $NODE_COMPONENTS; do stop_pidfile "$dir/$c.pid"; done
  # containerd-shim processes outlive containerd by design: stop those of this node.
  for id in $(pgrep -f "containerd-shim.*-address $dir/containerd.sock" || true); do stop_pid "$id"; done
  # Mounts under the node's folders (pod volumes, snapshots, sandbox shm), deepest first.
  awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  kube-proxy --cleanup >/dev/null 2>&1 || true
  # The kubelet's own chains (KUBE-FIREWALL, KUBE-KUBELET-CANARY, ...): every rule and chain
  # named KUBE-* goes, everything else is restored as it was.
  if iptables-save | grep -q 'KUBE-'; then
    iptables-save | grep -v -e '^:KUBE-' -e '-j KUBE-' -e '^-A KUBE-' | iptables-restore || true
  fi
  while iptables -D FORWARD "${BRIDGE_RULE[@]}" 2>/dev/null; do :; done
  ip link del "$BRIDGE" 2>/dev/null || true
  # The local PersistentVolumes' data (vNode node state: images, etcd) is this node's own, made
  # by make_storage: it goes with the node (several GiB per vNode).
  rm -rf "$dir/volumes"
  local cg
  for cg in /sys/fs/cgroup/*/; do
    if [ -d "$cg${CGROUP_ROOT#/}" ]; then find "$cg${CGROUP_ROOT#/}" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
  done
  if [ "$(cat /run/vk8s-hostnode.owner 2>/dev/null)" = "$state" ]; then rm -f /run/vk8s-hostnode.owner; fi
  log "host node stopped"
}

case $action in
  up) up ;;
  down) load_toolchain; down ;;
  *) usage ;;
esac
