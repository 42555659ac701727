#!/usr/bin/env bash
# Runs vk8s's rendered bootstrap scripts, in plan order, over ssh against the local
# environment, without Pulumi: what the command graph of the component would run, one
# step after another. Then runs every step a second time (the guards must make it a
# no-op: calls.log still shows one `kubeadm init` and one `kubeadm join` per worker).
#
# Usage: dryrun/bootstrap-dryrun.sh [SPEC.yaml [KUBEFLOW_TREE]]
#   SPEC.yaml      one Vk8s cluster (default: dry.yaml beside this script: master with one
#                  GPU + one worker, Kubeflow v1.9.0); a node's GPU limit becomes its
#                  VK8S_SIM_GPUS
#   KUBEFLOW_TREE  fixture tree under test/e2e/fixtures/kubeflow (default: v1.9-shape; use
#                  v1.8-shape for Kubeflow up to 1.8)
# Prints one line per step with its time; exit 0 when every step passed both times.
# Needs Node 22 (scripts/node22.sh) and the npm dependencies (ts-node) of the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
# shellcheck source=../lib/common.sh
. "$here/../lib/common.sh"
load_toolchain
spec=$(realpath "${1:-$here/dry.yaml}")
tree=${2:-v1.9-shape}
state=$(mktemp -d /tmp/vk8s-dryrun.XXXXXX)
trap '"$here/../down.sh" "$state" >/dev/null 2>&1 || true' EXIT

# The matrix's kustomize version: a stand-in answers `version`, the toolchain's builds.
real_kustomize=$(command -v kustomize)

cd "$repo"
# shellcheck disable=SC1091
. scripts/node22.sh >/dev/null
read -r cluster k8s kustomize_version < <(npx ts-node-transpile-only -P tsconfig.json \
  "$here/render-bootstrap.ts" "$spec" "$state/rendered" "$tree" "$state/kustomize")
kustomize_version=${kustomize_version#v}
kustomize_version=${kustomize_version%+}
# shellcheck disable=SC2016 # expanded by the stand-in
printf '#!/bin/sh\nif [ "${1:-}" = version ]; then echo "v%s (stand-in for %s)"; exit 0; fi\nexec %s "$@"\n' \
  "$kustomize_version" "$real_kustomize" "$real_kustomize" >"$state/kustomize"
chmod +x "$state/kustomize"
steps=$state/rendered/$cluster/bootstrap
log "cluster $cluster, Kubernetes $k8s, kustomize $kustomize_version, Kubeflow tree $tree"

"$here/../host.sh" up "$state" >/dev/null
hk() { kubectl --kubeconfig "$state/host/kubeconfig" "$@"; }
ssh-keygen -q -t ed25519 -N '' -C dryrun -f "$state/id_ed25519"
hk create namespace "vk8s-$cluster" >/dev/null
hk -n "vk8s-$cluster" create configmap "$cluster-ssh" --from-file=authorized_keys="$state/id_ed25519.pub" >/dev/null

# One vNode per node of the spec ("# Runs on the vNode of node X." in the scripts' headers).
nodes=$(sed -n 's/^# Runs on the vNode of node \([^.]*\)\..*/\1/p' "$steps"/*.sh | sort -u)
for n in $nodes; do
  gpus=$(NODE=$n awk '$0 ~ "- name: "ENVIRON["NODE"]"$" { on = 1; next } on && /- name:/ { on = 0 }
    on && /nvidia.com\/gpu:/ { print $2; exit }' "$spec")
  VK8S_SIM_GPUS=${gpus:-0} VK8S_SIM_KUBERNETES_VERSION=$k8s "$here/../vnode.sh" up "$state" "$cluster" "$n" 0 >/dev/null
done

run_step() { # run_step FILE: runs it on its node; stdin as the component would give it
  local f=$1 id node stdin=/dev/null
  id=$(basename "$f" .sh)
  node=$(sed -n 's/^# Runs on the vNode of node \([^.]*\)\..*/\1/p' "$f")
  case $id in
    06-join-*) stdin=$state/join-${id#06-join-} ;;
    09-dex-login) stdin=$state/dex-hash ;;
  esac
  ssh -i "$state/id_ed25519" -p "$(cat "$state/nodes/$cluster/$node/port")" -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$state/known_hosts" root@127.0.0.1 "$(cat "$f")" \
    <"$stdin" >"$state/out-$id" 2>"$state/err-$id"
}

# The dex step reads a bcrypt hash, never the password.
node -e 'process.stdout.write(require("bcryptjs").hashSync("dryrun-password-1", 10))' >"$state/dex-hash"

failed=0
for pass in 1 2; do
  started=$SECONDS
  for f in "$steps"/*.sh; do
    case $f in *.delete.sh) continue ;; esac
    id=$(basename "$f" .sh)
    t=$SECONDS
    if run_step "$f"; then
      printf 'pass %s ok   %-28s %3ss\n' "$pass" "$id" $((SECONDS - t))
    else
      printf 'pass %s FAIL %-28s %3ss\n' "$pass" "$id" $((SECONDS - t))
      tail -n 15 "$state/err-$id"
      failed=1
      break
    fi
    case $id in 05-join-token-*) cp "$state/out-$id" "$state/join-${id#05-join-token-}" ;; esac
  done
  echo "pass $pass: $((SECONDS - started))s"
  [ "$failed" = 0 ] || break
done

inits=$(grep -c " $cluster [^ ]* kubeadm init " "$state/calls.log" || true)
joins=$(grep -c " kubeadm join " "$state/calls.log" || true)
workers=$(find "$steps" -name '06-join-*.sh' ! -name '*.delete.sh' | wc -l)
echo "calls.log: kubeadm init x$inits, kubeadm join x$joins (workers: $workers)"
[ "$inits" = 1 ] && [ "$joins" = "$workers" ] || failed=1
trap - EXIT
if [ "$failed" = 0 ]; then
  "$here/../down.sh" "$state" --rm >/dev/null 2>&1 || failed=1
else
  "$here/../down.sh" "$state" >/dev/null 2>&1 || true
fi
if [ "$failed" != 0 ]; then
  echo "bootstrap dry run: FAILED (state kept: $state)"
  exit 1
fi
echo "bootstrap dry run: passed"
