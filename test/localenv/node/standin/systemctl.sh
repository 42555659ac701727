#!/usr/bin/env bash
# systemctl stand-in of a simulated vNode: there is no systemd (and no kubelet or
# container runtime) in the simulation. Unit actions succeed without doing anything,
# `is-active`/`is-enabled` answer "active"/"enabled" (the kubeadm stand-in marks the
# nodes Ready), anything else exits 1. Every call is recorded in STATE_DIR/calls.log.
set -euo pipefail
state=$1 cluster=$2 node=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../lib/common.sh
. "$here/../../lib/common.sh"
# shellcheck source=../../lib/standin.sh
. "$LOCALENV_DIR/lib/standin.sh"
standin_record "$state" "$cluster" "$node" systemctl "$@"

verb=""
for a in "$@"; do case $a in -*) ;; *) verb=$a; break ;; esac; done
case $verb in
  start | stop | restart | reload | try-restart | reload-or-restart | enable | disable | daemon-reload | mask | unmask | reset-failed) exit 0 ;;
  is-active) echo active ;;
  is-enabled) echo enabled ;;
  *) echo "systemctl stand-in: \"$verb\" is not simulated (no systemd in the local environment)" >&2; exit 1 ;;
esac
