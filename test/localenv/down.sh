#!/usr/bin/env bash
# Stops everything the local environment started under STATE_DIR: every simulated vNode
# (sshd and its sessions), every inner control plane (STATE_DIR/inner/*), the host plane.
# Then checks that no process with STATE_DIR in its command line remains: any that do
# are listed on stderr, killed, and the script exits 1.
#
# Usage: down.sh STATE_DIR [--rm]     (--rm also deletes STATE_DIR when all went well)
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/pki.sh
. "$LOCALENV_DIR/lib/pki.sh"
# shellcheck source=lib/controlplane.sh
. "$LOCALENV_DIR/lib/controlplane.sh"
trap_errors

{ [ $# -ge 1 ] && [ $# -le 2 ]; } || die "usage: down.sh STATE_DIR [--rm]"
state=${1%/}
[ -d "$state" ] || { log "nothing to stop: $state does not exist"; exit 0; }

for c in "$state"/nodes/*/; do
  [ -d "$c" ] && "$LOCALENV_DIR/vnode.sh" down "$state" "$(basename "$c")"
done
for d in "$state"/inner/*/; do
  [ -d "$d" ] && cp_stop "${d%/}"
done
"$LOCALENV_DIR/hostnode.sh" down "$state"
"$LOCALENV_DIR/host.sh" down "$state"

left=$(procs_mentioning "$state")
if [ -n "$left" ]; then
  log "processes still running with $state in their command line:"
  printf '%s\n' "$left" >&2
  for pid in $(printf '%s\n' "$left" | cut -d' ' -f1); do stop_pid "$pid"; done
  die "down: the processes above were left running and have been killed"
fi
log "everything under $state is stopped"
if [ "${2:-}" = --rm ]; then
  rm -rf "$state"
fi
