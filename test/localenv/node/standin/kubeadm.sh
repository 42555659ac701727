#!/usr/bin/env bash
# kubeadm stand-in of a simulated vNode (the node's PATH holds a wrapper that calls
# `kubeadm.sh STATE_DIR CLUSTER NODE ARGS...`). It runs inside the node's mount
# namespace, so /etc/kubernetes is the node's own.
#
# Simulated subcommands (anything else exits 2 with "not simulated"):
#   init [--pod-network-cidr X] [--service-cidr Y (default 10.96.0.0/12)]
#        [--kubernetes-version vZ] [--node-name N] [other flags recorded, ignored]
#   init --config FILE: the same values read from vk8s's rendered configuration
#        (podSubnet, serviceSubnet, kubernetesVersion, nodeRegistration.name, and the
#        kubelet's node-labels, written to /var/lib/kubelet/kubeadm-flags.env as kubeadm does)
#       starts or reuses the cluster's INNER etcd + kube-apiserver under
#       STATE_DIR/inner/<CLUSTER>/ (the API's --service-cluster-ip-range is Y),
#       writes /etc/kubernetes/{admin.conf,kubelet.conf,pki/ca.crt,manifests/*},
#       the ConfigMap kube-system/kubeadm-config and a Ready control-plane Node.
#       Fails like kubeadm's preflight when the manifests already exist.
#   token create [--ttl D] [--print-join-command]
#       mints a fresh token (recorded in STATE_DIR/inner/<CLUSTER>/tokens).
#   join 127.0.0.1:PORT --token T --discovery-token-ca-cert-hash sha256:H [--node-name N]
#   join --config FILE: apiServerEndpoint, token, caCertHashes[0], nodeRegistration.name
#        and node-labels read from vk8s's rendered JoinConfiguration
#       checks address, token (minted, not expired) and CA hash, writes
#       /etc/kubernetes/{kubelet.conf,pki/ca.crt}, creates a Ready worker Node.
#   reset -f|--force
#       deletes this node's Node object and /etc/kubernetes + /var/lib/kubelet contents;
#       on the master also stops and wipes the inner control plane.
#   version [-o short]
set -euo pipefail
state=$1 cluster=$2 node=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../lib/common.sh
. "$here/../../lib/common.sh"
# shellcheck source=../../lib/pki.sh
. "$LOCALENV_DIR/lib/pki.sh"
# shellcheck source=../../lib/controlplane.sh
. "$LOCALENV_DIR/lib/controlplane.sh"
# shellcheck source=../../lib/standin.sh
. "$LOCALENV_DIR/lib/standin.sh"
trap_errors

standin_record "$state" "$cluster" "$node" kubeadm "$@"
mountpoint -q /etc/kubernetes \
  || die "kubeadm stand-in: /etc/kubernetes is not the node's private mount (run it through the vNode's sshd)"
inner=$state/inner/$cluster
K=/etc/kubernetes

fail() { printf 'error execution phase %s\n' "$*" >&2; exit 1; }
not_simulated() { printf 'kubeadm stand-in: "%s" is not simulated (see test/localenv/README.md)\n' "$*" >&2; exit 2; }

# flag_value NAME ARGS...: value of --NAME X or --NAME=X ("" when absent).
flag_value() {
  local name=$1 prev=""
  shift
  for a in "$@"; do
    [ "$prev" = "--$name" ] && { echo "$a"; return 0; }
    case $a in --"$name"=*) echo "${a#*=}"; return 0 ;; esac
    prev=$a
  done
}
has_flag() { local f=$1 a; shift; for a in "$@"; do [ "$a" = "$f" ] && return 0; done; return 1; }

node_name() {
  local n
  n=$(flag_value node-name "$@")
  [ -n "$n" ] || n=$(hostname)
  echo "$n" | tr '[:upper:]' '[:lower:]'
}

# config_value KEY FILE: the first scalar "KEY: value" of a rendered kubeadm config (quotes dropped).
config_value() { sed -n "s/^ *$1: *//p" "$2" | head -n 1 | tr -d '"'; }

# config_labels FILE: the kubelet's node-labels (a map entry up to v1beta3, a name/value item in v1beta4).
config_labels() {
  awk '/^ *node-labels:/ { sub(/^ *node-labels: */, ""); print; exit }
       /- name: node-labels/ { getline; sub(/^ *value: */, ""); print; exit }' "$1" | tr -d '"'
}

# kubeadm_flags FILE: writes /var/lib/kubelet/kubeadm-flags.env as kubeadm does (labels only).
kubeadm_flags() {
  local labels
  labels=$(config_labels "$1")
  mkdir -p /var/lib/kubelet
  printf 'KUBELET_KUBEADM_ARGS="%s"\n' "${labels:+--node-labels=$labels}" >/var/lib/kubelet/kubeadm-flags.env
}

inner_kubectl() { kubectl --kubeconfig "$inner/admin.conf" --request-timeout=20s "$@"; }

# The vNode image's Kubernetes version (lib/standin.sh); the inner API server runs the
# toolchain's version regardless.
node_version() { node_image_version "$state" "$cluster" "$node"; }

# preflight FILE...: kubeadm's FileAvailable checks.
preflight() {
  local f check
  for f in "$@"; do
    if [ -e "$f" ]; then
      check=$(echo "${f#/}" | tr '/.' '--')
      printf '[preflight] Some fatal errors occurred:\n\t[ERROR FileAvailable--%s]: %s already exists\n' "$check" "$f" >&2
      exit 1
    fi
  done
}

# kubelet_labels: the --node-labels of KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env
# and of KUBELET_EXTRA_ARGS in /etc/default/kubelet, one "key: value" YAML line each (a
# real kubelet registers its Node with them).
kubelet_labels() {
  local args labels kv
  args=$(cat /var/lib/kubelet/kubeadm-flags.env /etc/default/kubelet 2>/dev/null \
    | sed -n 's/^KUBELET_\(KUBEADM\|EXTRA\)_ARGS=//p' | tr -d '"'"'" | tr '\n' ' ')
  labels=$(printf '%s\n' "$args" | tr ' ' '\n' | sed -n 's/^--node-labels=//p')
  for kv in ${labels//,/ }; do
    printf '    %s: "%s"\n' "${kv%%=*}" "${kv#*=}"
  done
}

# create_node NAME ROLE: a Node object whose status says Ready (no kubelet runs here).
# Annotations tell the simulated kubelet which vNode it is and how many GPUs it was given.
create_node() {
  local name=$1 role=$2 now version gpus labels taints=""
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  version=$(node_version)
  gpus=$(cat "$state/nodes/$cluster/$node/gpus" 2>/dev/null || echo 0)
  labels="    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
$(kubelet_labels)"
  if [ "$role" = control-plane ]; then
    labels="$labels
    node-role.kubernetes.io/control-plane: \"\"
    node.kubernetes.io/exclude-from-external-load-balancers: \"\""
    taints="  taints:
  - key: node-role.kubernetes.io/control-plane
    effect: NoSchedule"
  fi
  inner_kubectl apply -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    vk8s.localenv/vnode: $cluster/$node
    vk8s.localenv/gpus: "$gpus"
  labels:
$labels
spec:
$taints
NODE
  inner_kubectl patch node "$name" --subresource=status --type=merge -p "{\"status\":{
    \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\",
      \"message\":\"simulated by the localenv kubeadm stand-in (no kubelet runs)\",
      \"lastHeartbeatTime\":\"$now\",\"lastTransitionTime\":\"$now\"}],
    \"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"$name\"}],
    \"capacity\":{\"cpu\":\"2\",\"memory\":\"4Gi\",\"pods\":\"110\"},
    \"allocatable\":{\"cpu\":\"2\",\"memory\":\"4Gi\",\"pods\":\"110\"},
    \"nodeInfo\":{\"kubeletVersion\":\"$version\",\"kubeProxyVersion\":\"$version\",
      \"operatingSystem\":\"linux\",\"architecture\":\"amd64\",
      \"containerRuntimeVersion\":\"simulated://0\",\"osImage\":\"vk8s localenv vNode\",
      \"kernelVersion\":\"$(uname -r)\",\"machineID\":\"\",\"systemUUID\":\"\",\"bootID\":\"\"}}}" >/dev/null
  # The API server's NodeTaint admission adds not-ready:NoSchedule; the node lifecycle
  # controller (not run here) would lift it once the Node reports Ready.
  inner_kubectl taint node "$name" node.kubernetes.io/not-ready:NoSchedule- >/dev/null 2>&1 || true
}

# start_inner SERVICE_CIDR: starts or reuses the inner etcd + kube-apiserver.
start_inner() {
  local cidr=$1
  mkdir -p "$inner" && chmod 700 "$inner"
  if [ -s "$inner/service-cidr" ] && [ "$(cat "$inner/service-cidr")" != "$cidr" ]; then
    echo "[init] service CIDR changed from $(cat "$inner/service-cidr") to $cidr: restarting the inner control plane" >&2
    cp_stop "$inner"
    rm -rf "$inner/etcd-data" "$inner/pki"
  fi
  echo "$cidr" >"$inner/service-cidr"
  cp_ports "$state" "$inner"
  cp_pki "$inner" kubernetes "$cidr"
  pki_cert "$inner/pki" admin "/O=system:masters/CN=kubernetes-admin" clientAuth
  cp_start_etcd "$inner" || fail "etcd: inner etcd did not start (see $inner/etcd.log)"
  cp_start_apiserver "$inner" "$cidr" \
    || fail "control-plane: inner kube-apiserver did not start (see $inner/kube-apiserver.log)"
  write_kubeconfig "$inner/admin.conf" "https://127.0.0.1:$APISERVER_PORT" "$inner/pki/ca.crt" \
    kubernetes-admin cert "$inner/pki/admin.crt" "$inner/pki/admin.key"
  # No kubelet heartbeats here: without the node lifecycle controller the Nodes stay Ready.
  cp_start_kcm "$inner" "$inner/admin.conf" \
    "$(kcm_controllers 'node-lifecycle-controller|nodelifecycle|node-ipam-controller|nodeipam')" \
    || fail "control-plane: inner kube-controller-manager did not start (see $inner/kube-controller-manager.log)"
  if ! pidfile_alive "$inner/kubelet-sim.pid"; then
    daemon "$inner/kubelet-sim.pid" "$inner/kubelet-sim.log" /usr/bin/python3 "$LOCALENV_DIR/lib/kubelet-sim.py" \
      "https://127.0.0.1:$APISERVER_PORT" "$inner/pki/ca.crt" "$inner/pki/admin.crt" "$inner/pki/admin.key"
  fi
}

# node_kubeconfig NAME FILE: kubelet.conf of a node (client cert system:node:NAME).
node_kubeconfig() {
  local name=$1 file=$2
  pki_cert "$inner/pki" "node-$name" "/O=system:nodes/CN=system:node:$name" clientAuth
  write_kubeconfig "$file" "https://127.0.0.1:$APISERVER_PORT" "$inner/pki/ca.crt" \
    "system:node:$name" cert "$inner/pki/node-$name.crt" "$inner/pki/node-$name.key"
}

cmd_init() {
  local pod svc version name cfg
  cfg=$(flag_value config "$@")
  if [ -n "$cfg" ]; then
    [ -f "$cfg" ] || fail "init: unable to read config from \"$cfg\""
    pod=$(config_value podSubnet "$cfg")
    svc=$(config_value serviceSubnet "$cfg")
    version=$(config_value kubernetesVersion "$cfg")
    name=$(config_value name "$cfg" | tr '[:upper:]' '[:lower:]')
  else
    pod=$(flag_value pod-network-cidr "$@")
    svc=$(flag_value service-cidr "$@")
    name=$(node_name "$@")
    version=$(flag_value kubernetes-version "$@")
  fi
  svc=${svc:-10.96.0.0/12}
  preflight "$K/manifests/kube-apiserver.yaml" "$K/manifests/etcd.yaml" "$K/kubelet.conf"
  [ -z "$cfg" ] || kubeadm_flags "$cfg"
  echo "[init] Using Kubernetes version: ${version:-$(node_version)}"
  echo "[preflight] Running pre-flight checks (simulated)"
  (
    flock 8
    start_inner "$svc"
    {
      echo "MASTER_NODE=$name"
      echo "POD_NETWORK_CIDR=$pod"
      echo "SERVICE_CIDR=$svc"
      echo "KUBERNETES_VERSION=$version"
      echo "INIT_ARGS=$*"
    } >"$inner/init.env"
    mkdir -p "$K/pki" "$K/manifests"
    cp "$inner/pki/ca.crt" "$K/pki/ca.crt"
    cp "$inner/admin.conf" "$K/admin.conf"
    chmod 600 "$K/admin.conf"
    node_kubeconfig "$name" "$K/kubelet.conf"
    for m in etcd kube-apiserver; do
      printf '# kubeadm stand-in: %s runs as a local process (pid %s, state %s), not as a static Pod\n' \
        "$m" "$(cat "$inner/$m.pid")" "$inner" >"$K/manifests/$m.yaml"
    done
    inner_kubectl -n kube-system create configmap kubeadm-config --dry-run=client -o yaml \
      --from-literal=ClusterConfiguration="apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${version:-$(node_version)}
controlPlaneEndpoint: 127.0.0.1:$APISERVER_PORT
networking:
  dnsDomain: cluster.local
  podSubnet: $pod
  serviceSubnet: $svc
" | inner_kubectl apply -f - >/dev/null
    create_node "$name" control-plane
  ) 8>>"$state/inner/.$cluster.lock"
  cat <<DONE
[kubeconfig] Writing "admin.conf" kubeconfig file
[kubelet-start] Writing kubelet configuration to file "/etc/kubernetes/kubelet.conf"
[mark-control-plane] Marking the node $name as control-plane

Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

  mkdir -p \$HOME/.kube
  sudo cp -i /etc/kubernetes/admin.conf \$HOME/.kube/config
  sudo chown \$(id -u):\$(id -g) \$HOME/.kube/config

Then you can join any number of worker nodes by running the following on each as root:

  kubeadm token create --print-join-command
DONE
}

require_admin_conf() {
  [ -s "$K/admin.conf" ] \
    || fail "token: failed to load admin kubeconfig: open $K/admin.conf: no such file or directory"
  # shellcheck disable=SC1091
  . "$inner/ports.env"
}

cmd_token() {
  [ "${1:-}" = create ] || not_simulated "token $*"
  shift
  require_admin_conf
  local token ttl
  ttl=$(flag_value ttl "$@")
  token="$(openssl rand -hex 3).$(openssl rand -hex 8)"
  (
    flock 8
    umask 077
    printf '%s %s %s\n' "$token" "$(date +%s)" "${ttl:-24h}" >>"$inner/tokens"
  ) 8>>"$state/inner/.$cluster.lock"
  if has_flag --print-join-command "$@"; then
    # kubeadm prints the command with a trailing space
    printf 'kubeadm join 127.0.0.1:%s --token %s --discovery-token-ca-cert-hash %s \n' \
      "$APISERVER_PORT" "$token" "$(pki_ca_hash "$inner/pki")"
  else
    echo "$token"
  fi
}

# ttl_seconds 24h|90m|30s|0 -> seconds (0 = never expires)
ttl_seconds() {
  case $1 in
    *h) echo $((${1%h} * 3600)) ;; *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;;
  esac
}

token_valid() {
  local want=$1 token minted ttl secs
  [ -f "$inner/tokens" ] || return 1
  while read -r token minted ttl; do
    [ "$token" = "$want" ] || continue
    secs=$(ttl_seconds "$ttl")
    [ "$secs" = 0 ] && return 0
    [ $(($(date +%s) - minted)) -lt "$secs" ] && return 0
  done <"$inner/tokens"
  return 1
}

cmd_join() {
  local addr="" token hash name a cfg
  has_flag --control-plane "$@" && not_simulated "join --control-plane"
  cfg=$(flag_value config "$@")
  if [ -n "$cfg" ]; then
    [ -f "$cfg" ] || fail "join: unable to read config from \"$cfg\""
    addr=$(config_value apiServerEndpoint "$cfg")
    token=$(config_value token "$cfg")
    hash=$(awk '/caCertHashes:/ { getline; sub(/^ *- */, ""); print; exit }' "$cfg" | tr -d '"')
    name=$(config_value name "$cfg" | tr '[:upper:]' '[:lower:]')
  else
    for a in "$@"; do case $a in -*) break ;; *) addr=$a; break ;; esac; done
    token=$(flag_value token "$@")
    hash=$(flag_value discovery-token-ca-cert-hash "$@")
    name=$(node_name "$@")
  fi
  preflight "$K/kubelet.conf" "$K/pki/ca.crt"
  [ -s "$inner/ports.env" ] || fail "preflight: couldn't validate the identity of the API Server: no control plane was initialised for cluster $cluster"
  # shellcheck disable=SC1091
  . "$inner/ports.env"
  [ "$addr" = "127.0.0.1:$APISERVER_PORT" ] \
    || fail "preflight: couldn't validate the identity of the API Server: Get \"https://$addr/api/v1/namespaces/kube-public/configmaps/cluster-info\": connection refused"
  apiserver_ready "$inner" "$APISERVER_PORT" \
    || fail "preflight: couldn't validate the identity of the API Server: https://$addr is not ready"
  token_valid "$token" \
    || fail "preflight: couldn't validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID \"${token%%.*}\""
  if ! has_flag --discovery-token-unsafe-skip-ca-verification "$@"; then
    [ "$hash" = "$(pki_ca_hash "$inner/pki")" ] \
      || fail "preflight: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys \"$(pki_ca_hash "$inner/pki")\" are pinned"
  fi
  echo "[preflight] Running pre-flight checks (simulated)"
  [ -z "$cfg" ] || kubeadm_flags "$cfg"
  (
    flock 8
    mkdir -p "$K/pki"
    cp "$inner/pki/ca.crt" "$K/pki/ca.crt"
    node_kubeconfig "$name" "$K/kubelet.conf"
    create_node "$name" worker
    printf '%s %s %s\n' "$(iso_now)" "$name" "${token%%.*}" >>"$inner/joins"
  ) 8>>"$state/inner/.$cluster.lock"
  cat <<DONE
[kubelet-start] Writing kubelet configuration to file "/etc/kubernetes/kubelet.conf"

This node has joined the cluster:
* Certificate signing request was sent to apiserver and a response was received.
* The Kubelet was informed of the new secure connection details.

Run 'kubectl get nodes' on the control-plane to see this node join the cluster.
DONE
}

cmd_reset() {
  local name master=""
  has_flag -f "$@" || has_flag --force "$@" \
    || fail "reset: the stand-in has no terminal to confirm on (pass -f)"
  name=$(node_name "$@")
  if [ -s "$inner/init.env" ]; then
    master=$(sed -n 's/^MASTER_NODE=//p' "$inner/init.env")
  fi
  echo "[reset] Removing info for node \"$name\""
  if [ -s "$inner/admin.conf" ] && [ -s "$inner/ports.env" ]; then
    # shellcheck disable=SC1091
    . "$inner/ports.env"
    if apiserver_ready "$inner" "$APISERVER_PORT"; then
      inner_kubectl delete node "$name" --ignore-not-found >/dev/null || true
    fi
  fi
  if [ "$name" = "$master" ] && [ -s "$K/admin.conf" ]; then
    echo "[reset] Stopping the control plane and deleting its data: $inner"
    cp_stop "$inner"
    rm -rf "$inner"
  fi
  echo "[reset] Deleting contents of directories: [$K /var/lib/kubelet]"
  find "$K" /var/lib/kubelet -mindepth 1 -delete
}

cmd_version() {
  local v
  v=$(node_version)
  if [ "$*" = "-o short" ] || [ "$*" = "--output=short" ] || [ "$*" = "-o=short" ]; then
    echo "$v"
  else
    echo "kubeadm version: &version.Info{GitVersion:\"$v\", Platform:\"linux/amd64\"} (localenv stand-in)"
  fi
}

sub=${1:-}
[ $# -gt 0 ] && shift
mkdir -p "$state/inner"
case $sub in
  init) cmd_init "$@" ;;
  token) cmd_token "$@" ;;
  join) cmd_join "$@" ;;
  reset) cmd_reset "$@" ;;
  version) cmd_version "$@" ;;
  *) not_simulated "$sub" ;;
esac
