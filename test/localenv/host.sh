#!/usr/bin/env bash
# Host control plane of the local environment: etcd + kube-apiserver +
# kube-controller-manager on 127.0.0.1, under STATE_DIR/host.
#
# Usage: host.sh up|down STATE_DIR
#   up    starts (or reuses) the plane, waits for /readyz and for the controller-manager
#         (the `default` ServiceAccount exists), prints the kubeconfig path on stdout.
#         Writes STATE_DIR/host/kubeconfig (token auth, CA data, context admin@host) and
#         STATE_DIR/host/env (HOST_KUBECONFIG=..., HOST_API_SERVER=https://127.0.0.1:PORT).
#   down  stops the host plane only (down.sh stops everything).
# Environment (optional):
#   VK8S_HOST_SERVICE_CIDR   --service-cluster-ip-range of the host API (default 10.0.0.0/24;
#                            a config value only, no traffic is routed)
#   VK8S_LOCALENV_TIMEOUT    readiness timeout in seconds (default 180)
#   VK8S_TOOLCHAIN_ENV       toolchain env.sh (default ~/.cache/vk8s/toolchain/env.sh)
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/pki.sh
. "$LOCALENV_DIR/lib/pki.sh"
# shellcheck source=lib/controlplane.sh
. "$LOCALENV_DIR/lib/controlplane.sh"
trap_errors

usage() { die "usage: host.sh up|down STATE_DIR"; }
[ $# -eq 2 ] || usage
action=$1 state=${2%/}
check_state_dir "$state"
dir=$state/host
: "${VK8S_HOST_SERVICE_CIDR:=10.0.0.0/24}"

default_sa_exists() { kubectl --kubeconfig "$dir/kubeconfig" -n default get serviceaccount default; }

fail_up() {
  show_logs "$dir" 15
  cp_stop "$dir"
  die "host control plane did not start (state kept in $dir)"
}

up() {
  load_toolchain
  need etcd kube-apiserver kube-controller-manager kubectl openssl curl ss flock setsid
  mkdir -p "$dir" && chmod 700 "$dir"
  cp_ports "$state" "$dir"
  cp_pki "$dir" vk8s-localenv-host-ca "$VK8S_HOST_SERVICE_CIDR"
  if [ ! -s "$dir/tokens.csv" ]; then
    (
      umask 077
      printf '%s,admin,uid-admin,"system:masters"\n' "$(openssl rand -hex 16)"
      printf '%s,system:kube-controller-manager,uid-kcm,"system:masters"\n' "$(openssl rand -hex 16)"
    ) >"$dir/tokens.csv"
    chmod 600 "$dir/tokens.csv"
  fi
  local server="https://127.0.0.1:$APISERVER_PORT"
  write_kubeconfig "$dir/kubeconfig" "$server" "$dir/pki/ca.crt" admin token \
    "$(sed -n 1p "$dir/tokens.csv" | cut -d, -f1)" "" host
  write_kubeconfig "$dir/kcm.kubeconfig" "$server" "$dir/pki/ca.crt" kube-controller-manager token \
    "$(sed -n 2p "$dir/tokens.csv" | cut -d, -f1)" "" host
  printf 'HOST_KUBECONFIG=%s\nHOST_API_SERVER=%s\n' "$dir/kubeconfig" "$server" >"$dir/env"

  cp_start_etcd "$dir" || fail_up
  cp_start_apiserver "$dir" "$VK8S_HOST_SERVICE_CIDR" --token-auth-file="$dir/tokens.csv" || fail_up
  # shellcheck disable=SC2119 # no extra controllers to disable on the host
  cp_start_kcm "$dir" "$dir/kcm.kubeconfig" "$(kcm_controllers)" || fail_up
  wait_until "$VK8S_LOCALENV_TIMEOUT" "ServiceAccount default/default (controller-manager)" default_sa_exists || fail_up
  log "host control plane ready at $server"
  echo "$dir/kubeconfig"
}

case $action in
  up) up ;;
  down) cp_stop "$dir"; log "host control plane stopped" ;;
  *) usage ;;
esac
