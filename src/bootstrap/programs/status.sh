#!/bin/sh
# vk8s bootstrap program: prints every inner node's status (VK8S_NODE <node>
# Ready|NotReady) and, when Kubeflow is available, reachable on its port, not on the
# upstream default login, and the login user owns Profile VK8S_PROFILE_NAME whose
# namespace exists (the Profiles controller creates it; waited for, bounded), the Running
# phase marker. Otherwise it says which check failed (VK8S_STATUS not-running: ...) and
# exits 1.
# Data: VK8S_WAIT_TIMEOUT, VK8S_CHECK_DEFAULT_LOGIN (the upstream default email to refuse,
# or empty), VK8S_SERVICE_PORT and VK8S_NODE_PORT (empty: no kubeflow port),
# VK8S_PROFILE_NAME, VK8S_PROFILE_USER.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

use_admin_kubeconfig
not_running() { echo "VK8S_STATUS not-running: $*"; fail "$*"; }
nodes=$(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}') \
  || not_running "cannot list the nodes of the virtual cluster"
printf '%s\n' "$nodes" | awk 'NF { print "VK8S_NODE " $1 " " ($2 == "True" ? "Ready" : "NotReady") }'
kubectl wait --for=condition=Available deployment --all -n kubeflow --timeout="${VK8S_WAIT_TIMEOUT}s" >&2 \
  || not_running "Kubeflow deployments in namespace kubeflow are not available after ${VK8S_WAIT_TIMEOUT}s"
if [ -n "$VK8S_CHECK_DEFAULT_LOGIN" ]; then
  # The whole email value of a staticPasswords entry, never a substring (myuser@example.com is not
  # the upstream default user@example.com).
  if kubectl get configmap dex -n auth -o jsonpath='{.data.config\.yaml}' \
    | awk -v login="$VK8S_CHECK_DEFAULT_LOGIN" '{ v = $0; sub(/^[ -]*email: */, "", v); if (v != $0) { gsub(/^["'"'"']|["'"'"'] *$/, "", v); if (v == login) found = 1 } } END { exit !found }'; then
    not_running "the upstream default login $VK8S_CHECK_DEFAULT_LOGIN is active in dex (re-run the dex login step)"
  fi
fi
if [ -n "$VK8S_NODE_PORT" ]; then
  node_port=$(kubectl get service istio-ingressgateway -n istio-system -o jsonpath="{.spec.ports[?(@.port==$VK8S_SERVICE_PORT)].nodePort}")
  [ "$node_port" = "$VK8S_NODE_PORT" ] \
    || not_running "istio-ingressgateway port $VK8S_SERVICE_PORT is on NodePort $node_port, not $VK8S_NODE_PORT (re-run the expose step)"
fi
profile_ready() {
  owner=$(kubectl get profile "$VK8S_PROFILE_NAME" --ignore-not-found --no-headers -o 'custom-columns=OWNER:.spec.owner.name' 2>/dev/null || true)
  [ "$owner" = "$VK8S_PROFILE_USER" ] && [ -n "$(kubectl get namespace "$VK8S_PROFILE_NAME" --ignore-not-found -o name 2>/dev/null)" ]
}
profile_deadline=$(( $(date +%s) + VK8S_WAIT_TIMEOUT ))
until profile_ready; do
  if [ "$(date +%s)" -ge "$profile_deadline" ]; then
    not_running "Profile $VK8S_PROFILE_NAME is owned by '${owner:-nobody}', not $VK8S_PROFILE_USER, or its namespace does not exist after ${VK8S_WAIT_TIMEOUT}s: the user would see no namespace (check the profiles deployment in namespace kubeflow; re-run the Kubeflow step)"
  fi
  sleep 5
done
phase 'Running'
