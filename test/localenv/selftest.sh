#!/usr/bin/env bash
# Self-check of the local environment: host plane, two simulated vNodes of cluster `demo`
# (key in ConfigMap demo-ssh of namespace vk8s-demo, put there by this script), kubeadm
# init / get nodes / token create / join over ssh, a Deployment rolled out in the inner
# cluster, calls.log, then `down.sh` and nothing left running.
#
# Usage: selftest.sh [STATE_DIR]   (default: a new temp dir, deleted when all passed)
# Exit 0 when every check passed; prints "selftest: N passed, M failed" and the time.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
load_toolchain

started=$SECONDS
state=${1:-$(mktemp -d /tmp/vk8s-localenv-selftest.XXXXXX)}
passed=0 failed=0
down_done=0

pass() { passed=$((passed + 1)); printf 'ok   %s\n' "$1"; }
flunk() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; [ -z "${2:-}" ] || printf '     %s\n' "$2" | head -n 20; }
# check NAME COMMAND...: passes when COMMAND exits 0.
check() { local name=$1 out; shift; if out=$("$@" 2>&1); then pass "$name"; else flunk "$name" "$out"; fi; }
# verdict NAME DETAIL COMMAND...: passes when COMMAND exits 0, else shows DETAIL.
verdict() { local name=$1 detail=$2; shift 2; if "$@"; then pass "$name"; else flunk "$name" "$detail"; fi; }
# expect NAME PATTERN TEXT: passes when TEXT matches the extended regex PATTERN.
expect() { if printf '%s\n' "$3" | grep -Eq -- "$2"; then pass "$1"; else flunk "$1" "expected /$2/ in: $3"; fi; }

finish() {
  [ "$down_done" = 1 ] || "$here/down.sh" "$state" >/dev/null 2>&1 || true
  echo "selftest: $passed passed, $failed failed ($((SECONDS - started))s, state $state)"
  if [ "$failed" = 0 ] && [ -z "${1:-}" ]; then rm -rf "$state"; fi
}
trap 'finish keep' INT TERM

node_ssh() { # node_ssh NODE COMMAND (stdin passes through)
  ssh -i "$state/client/id_ed25519" -p "$(cat "$state/nodes/demo/$1/port")" \
    -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$state/known_hosts" \
    -o ConnectTimeout=10 root@127.0.0.1 "$2"
}

t0=$SECONDS
if ! kubeconfig=$("$here/host.sh" up "$state"); then
  flunk "host.sh up" "see $state/host/*.log"
  finish keep
  exit 1
fi
pass "host.sh up ($((SECONDS - t0))s)"
hk() { kubectl --kubeconfig "$kubeconfig" "$@"; }

mkdir -p "$state/client" && chmod 700 "$state/client"
ssh-keygen -q -t ed25519 -N '' -C selftest -f "$state/client/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$state/client/stranger"
check "host API: namespace vk8s-demo + ConfigMap demo-ssh" sh -c "
  kubectl --kubeconfig '$kubeconfig' create namespace vk8s-demo &&
  kubectl --kubeconfig '$kubeconfig' -n vk8s-demo create configmap demo-ssh \
    --from-file=authorized_keys='$state/client/id_ed25519.pub'"
check "host controller-manager: ServiceAccount vk8s-demo/default appears" \
  wait_until 60 "default ServiceAccount" hk -n vk8s-demo get serviceaccount default

t0=$SECONDS
check "vnode.sh up demo-master demo-worker" "$here/vnode.sh" up "$state" demo demo-master 0 demo-worker 0
pass "vNodes up ($((SECONDS - t0))s)"

out=$(node_ssh demo-master 'hostname; ls /etc/kubernetes | wc -l' 2>&1)
expect "ssh with the ConfigMap's key: own hostname, empty /etc/kubernetes" '^demo-master$' "$out"
out=$(ssh -i "$state/client/stranger" -p "$(cat "$state/nodes/demo/demo-master/port")" -o BatchMode=yes \
  -o UserKnownHostsFile="$state/known_hosts" -o ConnectTimeout=10 root@127.0.0.1 true 2>&1)
expect "ssh with another key is refused" 'Permission denied' "$out"
out=$(printf 's3cr3t-on-stdin' | node_ssh demo-master 'cat > /etc/vk8s/stdin; wc -c < /etc/vk8s/stdin' 2>&1)
expect "stdin passes through to the command" '^15$' "$out"

t0=$SECONDS
out=$(node_ssh demo-master 'kubeadm init --pod-network-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12 --kubernetes-version v1.30.0 --node-name demo-master' 2>&1)
expect "kubeadm init ($((SECONDS - t0))s)" 'initialized successfully' "$out"
check "host sees no /etc/kubernetes/admin.conf (node view is private)" test ! -e /etc/kubernetes/admin.conf
out=$(node_ssh demo-master 'kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes --no-headers' 2>&1)
expect "inner API: kubectl get nodes lists the master Ready" '^demo-master +Ready +control-plane' "$out"
out=$(node_ssh demo-master 'kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system get configmap kubeadm-config -o jsonpath={.data.ClusterConfiguration}' 2>&1)
expect "inner API: kubeadm-config holds the pod CIDR" 'podSubnet: 10.244.0.0/16' "$out"
out=$(node_ssh demo-master 'kubeadm init --pod-network-cidr 10.244.0.0/16' 2>&1)
expect "a second kubeadm init fails its preflight" 'FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml' "$out"

join=$(node_ssh demo-master 'kubeadm token create --print-join-command' 2>&1)
expect "kubeadm token create --print-join-command" \
  '^kubeadm join 127\.0\.0\.1:[0-9]+ --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64} $' "$join"
forged=$(printf '%s\n' "$join" | sed -E 's/--token [a-z0-9.]+/--token abcdef.0123456789abcdef/')
out=$(node_ssh demo-worker "$forged" 2>&1)
expect "kubeadm join with a token never minted fails" 'could not find a JWS signature' "$out"
# shellcheck disable=SC2016 # expanded on the node
out=$(printf '%s\n' "$join" | node_ssh demo-worker 'read -r cmd; $cmd --node-name demo-worker' 2>&1)
expect "kubeadm join on the worker" 'This node has joined the cluster' "$out"
out=$(node_ssh demo-worker 'kubectl --kubeconfig /etc/kubernetes/kubelet.conf get node demo-worker -o name' 2>&1)
expect "worker's kubelet.conf reaches the inner API" '^node/demo-worker$' "$out"
out=$(node_ssh demo-worker "kubeadm join ${join#kubeadm join }" 2>&1)
expect "a second join fails its preflight" 'FileAvailable--etc-kubernetes-kubelet.conf' "$out"

t0=$SECONDS
out=$(node_ssh demo-master 'export KUBECONFIG=/etc/kubernetes/admin.conf
  kubectl create deployment web --image=example.invalid/web:1 --replicas=2 >/dev/null &&
  kubectl rollout status deployment/web --timeout=90s' 2>&1)
expect "inner Deployment rolls out (controller-manager + kubelet-sim, $((SECONDS - t0))s)" 'successfully rolled out' "$out"

calls=$(cat "$state/calls.log" 2>/dev/null)
for pattern in ' demo demo-master kubeadm init --pod-network-cidr 10.244.0.0/16 ' \
  ' demo demo-master kubeadm token create --print-join-command$' \
  ' demo demo-worker kubeadm join 127\.0\.0\.1:[0-9]+ --token <redacted> .* --node-name demo-worker$'; do
  n=$(printf '%s\n' "$calls" | grep -Ec -- "$pattern")
  verdict "calls.log: once /$pattern/" "found $n times in: $calls" [ "$n" = 1 ]
done
if printf '%s\n' "$calls" | grep -Eq -- '--token [a-z0-9]{6}\.'; then
  flunk "calls.log redacts tokens" "$calls"
else
  pass "calls.log redacts tokens"
fi

t0=$SECONDS
if "$here/down.sh" "$state"; then pass "down.sh ($((SECONDS - t0))s)"; else flunk "down.sh" "processes were left"; fi
down_done=1
left=$(procs_mentioning "$state")
verdict "no process mentions $state" "$left" [ -z "$left" ]
open_ports=""
for f in "$state"/host/ports.env "$state"/inner/*/ports.env "$state"/nodes/*/*/port; do
  [ -f "$f" ] || continue
  # shellcheck disable=SC2013 # one number per line
  for port in $(sed 's/.*=//' "$f"); do
    if port_open "$port"; then open_ports="$open_ports $port"; fi
  done
done
verdict "every port of the environment is closed" "still accepting:$open_ports" [ -z "$open_ports" ]

finish
[ "$failed" = 0 ]
