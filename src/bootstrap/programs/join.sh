#!/bin/sh
# vk8s bootstrap program: joins the worker with the rendered JoinConfiguration,
# whose discovery values come from the join command on stdin (printed by the master's
# join-token step of this worker; it holds a bootstrap token). Skipped when the node is already
# registered; a stale join is reset and joined again: kubelet.conf present but the node object
# gone (e.g. after its delete step drained it), or its credentials refused by a control plane
# that was initialised anew (the master's node state was lost). The node's address is kept on
# the node state (node-address.sh of the boot ConfigMap re-addresses a re-created pod).
# stdin: the join command. Secrets reach this program only on stdin; the filled-in
# configuration is a 0600 file, removed after the join.
# Data: VK8S_KUBEADM_CONFIG (data file with @VK8S_API_SERVER_ENDPOINT@, @VK8S_JOIN_TOKEN@,
# @VK8S_CA_CERT_HASH@, @VK8S_NODE_IP@), VK8S_NODE_NAME, VK8S_NODE_INTERFACE, VK8S_GPUS,
# VK8S_KUBERNETES_VERSION, VK8S_KUBERNETES_MINOR, VK8S_WAIT_TIMEOUT, VK8S_EXTRA_TOOLS,
# VK8S_IMAGE_ARCHIVES, VK8S_TOKEN_STEP, VK8S_NODE_ADDRESS_FILE.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

wait_prerequisites
join_command=$(cat)
if [ -f "$KUBELET_CONF" ]; then
  if state=$(kubectl --kubeconfig "$KUBELET_CONF" get node "$VK8S_NODE_NAME" -o name 2>&1); then
    log "$KUBELET_CONF present and node $VK8S_NODE_NAME registered: already joined, skipping kubeadm join"
    if [ ! -f "$node_state_root$VK8S_NODE_ADDRESS_FILE" ] && [ -n "$(node_ip)" ]; then record_node_address "$(node_ip)"; fi
    echo "VK8S_NODE $VK8S_NODE_NAME kubernetes-ready"
    exit 0
  fi
  case "$state" in
    *NotFound* | *"not found"*) log "node $VK8S_NODE_NAME is gone from the cluster: kubeadm reset, then join again"; kubeadm reset -f >&2 ;;
    *x509* | *Unauthorized* | *"unknown authority"*) log "the control plane refuses the credentials of $VK8S_NODE_NAME (initialised anew): kubeadm reset, then join again"; kubeadm reset -f >&2 ;;
    *) fail "cannot check the join state of $VK8S_NODE_NAME with $KUBELET_CONF: $state" ;;
  esac
fi
# shellcheck disable=SC2086 # split the join command into words on purpose
set -- $join_command
if [ "$#" -lt 7 ] || [ "$1 $2" != "kubeadm join" ]; then
  fail "stdin is not a kubeadm join command (expected the stdout of step $VK8S_TOKEN_STEP)"
fi
endpoint=$3 token='' ca_hash=''
while [ "$#" -gt 1 ]; do
  case "$1" in
    --token) token=$2 ;;
    --discovery-token-ca-cert-hash) ca_hash=$2 ;;
  esac
  shift
done
printf '%s\n' "$endpoint" | grep -Eq '^[A-Za-z0-9.-]+:[0-9]+$' || fail "stdin is not a kubeadm join command (bad API server endpoint)"
printf '%s\n' "$token" | grep -Eq '^[a-z0-9]{6}\.[a-z0-9]{16}$' || fail "stdin is not a kubeadm join command (no bootstrap token)"
printf '%s\n' "$ca_hash" | grep -Eq '^sha256:[a-f0-9]{64}$' || fail "stdin is not a kubeadm join command (no CA certificate hash)"
address=$(node_ip)
preload_images
umask 077
config="$work/kubeadm-join.yaml"
trap 'rm -f "$config"' EXIT
render_config "$(data "$VK8S_KUBEADM_CONFIG")" "$config" \
  "VK8S_API_SERVER_ENDPOINT=$endpoint" "VK8S_JOIN_TOKEN=$token" "VK8S_CA_CERT_HASH=$ca_hash" "VK8S_NODE_IP=$address"
kubeadm join --config "$config" > "$work/kubeadm-join.log" 2>&1 \
  || { tail -n 40 "$work/kubeadm-join.log" >&2; fail "kubeadm join of $VK8S_NODE_NAME failed"; }
record_node_address "$address"
echo "VK8S_NODE $VK8S_NODE_NAME kubernetes-ready"
