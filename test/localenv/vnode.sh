#!/usr/bin/env bash
# Simulated vNodes: one sshd per node on 127.0.0.1, whose sessions see the node's own
# /etc/kubernetes, /etc/vk8s, /var/lib/kubelet, /opt/vk8s, /root/.kube and the
# stand-ins (kubeadm, systemctl, nvidia-smi) first on PATH.
#
# Usage:
#   vnode.sh up   STATE_DIR CLUSTER NODE PORT [NODE PORT]...
#       PORT 0 picks a free port. Prints "NODE PORT" per node on stdout.
#       Needs the host plane (host.sh up): root logs in with the key(s) of ConfigMap
#       <CLUSTER>-ssh (key authorized_keys) in namespace vk8s-<CLUSTER>, read at every login.
#   vnode.sh down STATE_DIR CLUSTER [NODE [PORT]]...
#       stops the nodes' sshd and every session process (all nodes of CLUSTER if none given).
# Writes, per node, under STATE_DIR/nodes/<CLUSTER>/<NODE>/:
#   port, root/<private paths>, bin/ (stand-in wrappers), path (PATH after the stand-ins),
#   sshd/{sshd_config,ssh_host_ed25519_key.pub,sshd.pid,sshd.log}, known_hosts
# and appends "[127.0.0.1]:PORT ssh-ed25519 ..." to STATE_DIR/known_hosts.
# Environment (optional):
#   VK8S_SIM_GPUS   GPUs these vNodes were given (default 0): N lines in /etc/vk8s/gpus
#                   (the allocation file the vNode start-up writes), /dev/nvidia0..N-1
#                   (empty character devices in a private /dev), the nvidia-smi stand-in
#                   (absent when 0) and, once the device plugin runs, nvidia.com/gpu=N
#                   on the inner Node.
#   VK8S_SIM_KUBERNETES_VERSION  the vNode image's Kubernetes version, reported by
#                   `kubeadm version` and `kubelet --version` (default: the tag of the
#                   cluster's vNode StatefulSets in the host API, `kink:v1.20` -> v1.20.0,
#                   looked up at each call; without them the toolchain's kube-apiserver's).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
trap_errors

usage() { die "usage: vnode.sh up STATE_DIR CLUSTER NODE PORT [NODE PORT]... | vnode.sh down STATE_DIR CLUSTER [NODE]..."; }
[ $# -ge 3 ] || usage
action=$1 state=${2%/} cluster=$3
shift 3
check_state_dir "$state"
valid_name "$cluster" || die "CLUSTER: '$cluster' is not a DNS label (use lower-case letters, digits and '-')"

# sshd runs AuthorizedKeysCommand only from a path that root owns all the way up
# without group/world write bits (OpenSSH safe_path).
safe_path() {
  local p=$1
  while :; do
    [ "$(stat -c %u "$p")" = 0 ] || return 1
    [ $((0$(stat -c %a "$p") & 022)) = 0 ] || return 1
    [ "$p" = / ] && return 0
    p=$(dirname "$p")
  done
}

authorized_keys_command() {
  local src=$LOCALENV_DIR/node/authorized-keys.sh dir=/run/vk8s-localenv dst
  if safe_path "$src"; then
    echo "$src"
    return
  fi
  dst=$dir/authorized-keys-$(sha256sum "$src" | cut -c1-12).sh
  if [ ! -x "$dst" ]; then
    install -d -m 755 -o root -g root "$dir"
    install -m 755 -o root -g root "$src" "$dst"
  fi
  echo "$dst"
}

write_standins() {
  local home=$1 node=$2 tool
  mkdir -p "$home/bin"
  for tool in kubeadm kubelet systemctl nvidia-smi; do
    if [ "$tool" = nvidia-smi ] && [ "${VK8S_SIM_GPUS:-0}" = 0 ]; then
      rm -f "$home/bin/$tool"
      continue
    fi
    printf '#!/bin/sh\nexec %s %s %s %s "$@"\n' "$LOCALENV_DIR/node/standin/$tool.sh" \
      "$state" "$cluster" "$node" >"$home/bin/$tool"
    chmod 755 "$home/bin/$tool"
  done
  echo "${VK8S_SIM_GPUS:-0}" >"$home/gpus"
}

# What the vNode's image and start-up provide: the image's Kubernetes version, a container
# runtime socket (nothing listens on it), the GPU allocation file and /dev/nvidia<i>.
write_node_image() {
  local home=$1 node=$2 i=0
  local version
  version=$(kube-apiserver --version 2>/dev/null | awk '{print $2}') || true
  echo "${version:-v0.0.0}" >"$home/toolchain-version"
  if [ -n "${VK8S_SIM_KUBERNETES_VERSION:-}" ]; then
    echo "$VK8S_SIM_KUBERNETES_VERSION" >"$home/kubernetes-version"
  else
    rm -f "$home/kubernetes-version"
  fi
  [ -n "$(ls -A "$home/root/etc/default")" ] || cp -a /etc/default/. "$home/root/etc/default/"
  if [ ! -S "$home/root/run/containerd/containerd.sock" ]; then
    /usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
      "$home/root/run/containerd/containerd.sock"
  fi
  rm -f "$home/root/etc/vk8s/gpus"
  while [ "$i" -lt "${VK8S_SIM_GPUS:-0}" ]; do
    printf 'GPU-00000000-0000-4000-8000-%012d\n' "$i" >>"$home/root/etc/vk8s/gpus"
    i=$((i + 1))
  done
}

node_up() {
  local node=$1 port=$2 home keycmd p
  home=$state/nodes/$cluster/$node
  valid_name "$node" || die "NODE: '$node' is not a DNS label (use lower-case letters, digits and '-')"
  [[ $port =~ ^[0-9]+$ ]] || die "PORT of $node: '$port' is not a number (give a port, or 0 for a free one)"
  mkdir -p "$home/sshd" && chmod 700 "$home" "$home/sshd"
  if pidfile_alive "$home/sshd/sshd.pid"; then
    echo "$node $(cat "$home/port")"
    return
  fi
  [ "$port" != 0 ] || port=$(free_port "$state")
  for p in $NODE_PRIVATE_PATHS; do
    mkdir -p "$home/root$p" "$p" # the host path is only the mount point
  done
  write_standins "$home" "$node"
  write_node_image "$home" "$node"
  echo "$PATH" >"$home/path"
  echo "$port" >"$home/port"
  [ -s "$home/sshd/ssh_host_ed25519_key" ] \
    || ssh-keygen -q -t ed25519 -N '' -C "$cluster/$node" -f "$home/sshd/ssh_host_ed25519_key"
  printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$home/sshd/ssh_host_ed25519_key.pub")" >"$home/known_hosts"
  cat "$home/known_hosts" >>"$state/known_hosts"
  keycmd=$(authorized_keys_command)
  cat >"$home/sshd/sshd_config" <<CONFIG
# simulated vNode $cluster/$node (test/localenv/vnode.sh)
ListenAddress 127.0.0.1:$port
HostKey $home/sshd/ssh_host_ed25519_key
PidFile $home/sshd/sshd.pid
AllowUsers root
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
AuthorizedKeysCommand $keycmd %u $state $cluster $(command -v kubectl)
AuthorizedKeysCommandUser root
UsePAM no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
MaxSessions 50
X11Forwarding no
Subsystem sftp /usr/lib/openssh/sftp-server
ForceCommand /usr/bin/unshare --mount --uts --propagation private $LOCALENV_DIR/node/session.sh $state $cluster $node
CONFIG
  /usr/sbin/sshd -t -f "$home/sshd/sshd_config" || die "sshd_config of $cluster/$node is invalid ($home/sshd/sshd_config)"
  rm -f "$home/sshd/sshd.pid"
  setsid /usr/sbin/sshd -D -f "$home/sshd/sshd_config" -E "$home/sshd/sshd.log" </dev/null >/dev/null 2>&1 &
  wait_until 30 "sshd of $cluster/$node on 127.0.0.1:$port ($home/sshd/sshd.log)" port_open "$port" \
    || die "sshd of $cluster/$node did not start: $(tail -n 3 "$home/sshd/sshd.log" 2>/dev/null)"
  wait_until 10 "sshd pid file" test -s "$home/sshd/sshd.pid" || die "sshd of $cluster/$node wrote no pid file"
  echo "$node $port"
}

node_down() {
  local home=$state/nodes/$cluster/$1
  [ -d "$home" ] || return 0
  # the listener's descendants are the open sessions and what they run
  stop_pidfile "$home/sshd/sshd.pid"
}

case $action in
  up)
    { [ $# -ge 2 ] && [ $(($# % 2)) = 0 ]; } || usage
    load_toolchain
    need kubectl ssh-keygen unshare setsid flock ss openssl curl
    [ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd: missing (apt-get install openssh-server)"
    [ -s "$state/host/kubeconfig" ] || die "host plane: $state/host/kubeconfig missing (run host.sh up $state first)"
    install -d -m 755 /run/sshd # sshd's privilege separation directory
    while [ $# -gt 0 ]; do
      node_up "$1" "$2"
      shift 2
    done
    ;;
  down)
    if [ $# -eq 0 ]; then
      for d in "$state/nodes/$cluster"/*/; do
        [ -d "$d" ] && node_down "$(basename "$d")"
      done
    else
      for n in "$@"; do [[ $n =~ ^[0-9]+$ ]] || node_down "$n"; done
    fi
    ;;
  *) usage ;;
esac
